// Loopback Better Auth server that issues real JWTs for the API's test suite.
// Not for production: in-memory storage, random secret, a key-rotation hook.
//
//   node server.mjs --port 0 --alg EdDSA [--expires-in SECONDS]
//
// Prints one JSON line on stdout once listening; everything else goes to stderr.

import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler } from "better-auth/node";
import { jwt } from "better-auth/plugins/jwt";

const ALGS = ["EdDSA", "ES256", "ES512", "RS256", "PS256"];

// Keep stdout for the ready line only, whatever a dependency logs.
console.log = console.info = console.debug = console.error;

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    alg: { type: "string", default: "EdDSA" },
    "expires-in": { type: "string" },
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

// Tables live in this object so the rotate hook can drop the signing keys.
const db = { user: [], session: [], account: [], verification: [], jwks: [] };
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

server.listen(Number(args.port), "127.0.0.1", () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  auth = betterAuth({
    baseURL: url,
    secret: randomBytes(32).toString("hex"),
    database: memoryAdapter(db),
    emailAndPassword: { enabled: true, requireEmailVerification: false },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    plugins: [
      jwt({
        jwks: { keyPairConfig: { alg: args.alg } },
        ...(expiresIn && { jwt: { expirationTime: `${expiresIn}s` } }),
      }),
    ],
  });
  authHandler = toNodeHandler(auth);
  const ready = { url, jwks_url: `${url}/api/auth/jwks`, alg: args.alg };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
