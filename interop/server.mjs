// Loopback Better Auth server that issues real JWTs for the API's test suite.
// Not for production: in-memory storage, random secret, a key-rotation hook.
//
//   node server.mjs --port 0 --alg EdDSA [--expires-in SECONDS]
//                   [--revocation-feed-secret SECRET] [--admin-email EMAIL]
//
// Prints one JSON line on stdout once listening; everything else goes to stderr.

import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler } from "better-auth/node";
import { admin } from "better-auth/plugins/admin";
import { jwt } from "better-auth/plugins/jwt";
// The web app's revocation feed package, so the API is tested against the code it will poll.
import { revocationFeed } from "better-auth-revocation-feed";

const ALGS = ["EdDSA", "ES256", "ES512", "RS256", "PS256"];

// Keep stdout for the ready line only, whatever a dependency logs.
console.log = console.info = console.debug = console.error;

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    alg: { type: "string", default: "EdDSA" },
    "expires-in": { type: "string" },
    // Default: $REVOCATION_FEED_SECRET; unset, the feed answers 404.
    "revocation-feed-secret": { type: "string", default: process.env.REVOCATION_FEED_SECRET ?? "" },
    // The user who signs up with this email is an administrator (may ban and revoke others' sessions).
    "admin-email": { type: "string" },
  },
});
if (!ALGS.includes(args.alg)) {
  console.error(`--alg must be one of ${ALGS.join(", ")}`);
  process.exit(2);
}
const expiresIn = args["expires-in"];
if (expiresIn !== undefined && !/^-?\d+$/.test(expiresIn)) {
  console.error("--expires-in must be a whole number of seconds");
  process.exit(2);
}

const secret = randomBytes(32).toString("hex");
let feed;
try {
  // Refuses a secret under 32 characters now; empty, the feed answers 404.
  feed = revocationFeed({ secret: args["revocation-feed-secret"] });
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
const adminEmail = args["admin-email"]?.toLowerCase();

// Tables live in this object so the rotate hook can drop the signing keys.
const db = { user: [], session: [], account: [], verification: [], jwks: [], revocationEvent: [] };
let auth;
let authHandler;

async function rotate(res) {
  db.jwks = [];
  // The JWKS endpoint mints a fresh key pair when none is stored.
  const { keys } = await auth.api.getJwks();
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ kid: keys[0].kid }));
}

const server = createServer((req, res) => {
  if (req.method === "POST" && req.url === "/__test__/rotate") {
    rotate(res).catch((err) => {
      console.error(err);
      res.writeHead(500).end();
    });
    return;
  }
  authHandler(req, res);
});

server.listen(Number(args.port), "127.0.0.1", async () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  auth = betterAuth({
    baseURL: url,
    secret,
    database: memoryAdapter(db),
    emailAndPassword: { enabled: true, requireEmailVerification: false },
    user: { deleteUser: { enabled: true } },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    databaseHooks: {
      user: {
        create: {
          before: async (user) => (adminEmail && user.email === adminEmail ? { data: { ...user, role: "admin" } } : undefined),
        },
      },
    },
    plugins: [
      jwt({
        jwks: { keyPairConfig: { alg: args.alg } },
        // The revocation feed adds `sid`, as in the web app (frontend/lib/auth.ts).
        jwt: { ...(expiresIn && { expirationTime: `${expiresIn}s` }) },
      }),
      admin(),
      feed,
    ],
  });
  try {
    await auth.$context;
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  authHandler = toNodeHandler(auth);
  const ready = { url, jwks_url: `${url}/api/auth/jwks`, alg: args.alg, revocations_url: `${url}/api/auth/revocations` };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
