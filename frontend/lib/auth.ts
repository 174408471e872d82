import { betterAuth } from "better-auth";
import { nextCookies } from "better-auth/next-js";
import { admin, jwt } from "better-auth/plugins";
import { revocationFeed } from "better-auth-revocation-feed";
import { auditLog } from "./audit-log";
import { createAuthDatabase } from "./auth-database";
import { readRates } from "./auth-limits";
import { parseTrustedProxies } from "./client-address";
import { failedSignInLimit } from "./failed-sign-ins";
import { loopbackAliases } from "./local-origins";
import { userFieldLimits } from "./user-fields";
import { PASSWORD_MAX, PASSWORD_MIN } from "./validation";

/** Better Auth on the server: email and password, sessions in an httpOnly SameSite=Lax cookie, EdDSA JWTs. */
export function createAuth(env: NodeJS.ProcessEnv = process.env) {
  const rates = readRates(env);
  // The API expects the default lifetime (exp = iat + 900); end-to-end tests shorten it
  // with TEST_JWT_EXPIRATION_TIME (e.g. "10s") to watch the silent refresh happen.
  const expirationTime = env.TEST_JWT_EXPIRATION_TIME || "15m";
  return betterAuth({
    appName: "Tasks",
    baseURL: env.BETTER_AUTH_URL,
    // Only for a loopback BETTER_AUTH_URL (a local run): its localhost and 127.0.0.1 forms alike.
    trustedOrigins: loopbackAliases(env.BETTER_AUTH_URL),
    secret: env.BETTER_AUTH_SECRET,
    database: createAuthDatabase(env),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: PASSWORD_MIN,
      maxPasswordLength: PASSWORD_MAX,
      autoSignIn: true,
    },
    // POST /api/auth/delete-user, with the password; its sessions end with it (the revocation feed).
    user: { deleteUser: { enabled: true } },
    // Name and email lengths, and no profile image, on every path that writes a user.
    databaseHooks: userFieldLimits,
    telemetry: { enabled: false },
    // Limits per client address, on in every mode and kept in the database (the `rateLimit`
    // table), so all instances of the app share one count. Other paths Better Auth limits more
    // tightly by default (change-password, password resets) keep those rules. Email sign-in is
    // limited by failedSignInLimit instead, which does not count the attempts it refuses.
    rateLimit: {
      enabled: true,
      storage: "database",
      ...rates.RATE_LIMIT_AUTH,
      customRules: {
        // Before "/sign-in/*": the first rule whose pattern matches is the one applied.
        "/sign-in/email": false,
        "/sign-in/*": rates.RATE_LIMIT_SIGN_IN,
        "/sign-up/*": rates.RATE_LIMIT_SIGN_UP,
        // Every signed-in tab asks for a token here; without a session it is a cheap 401. Limited per
        // address, anyone sharing the address could stop everyone there from reaching the API.
        "/token": false,
        // /revocations is polled by every API process and signed: the feed exempts itself.
      },
    },
    advanced: {
      // The server (server.ts) rewrites X-Forwarded-For from the connection, so walking it from
      // the right past these proxies ends at the real client (lib/client-address.ts).
      ipAddress: { trustedProxies: parseTrustedProxies(env.TRUSTED_PROXIES) },
    },
    plugins: [
      // Defaults: EdDSA (Ed25519) keys, JWKS at /api/auth/jwks, iss = aud = BETTER_AUTH_URL.
      // The revocation feed adds `sid` (the session the token was issued for) to the claims.
      jwt({ jwt: { expirationTime } }),
      // Bans and session revocation by administrators (users whose `role` is "admin").
      admin(),
      // GET /api/auth/revocations, signed with the jwt key; REVOCATION_FEED_SECRET (unset: 404).
      revocationFeed({ secret: env.REVOCATION_FEED_SECRET }),
      auditLog(),
      failedSignInLimit({
        perAddress: rates.RATE_LIMIT_SIGN_IN,
        failedPerAccountAndAddress: rates.RATE_LIMIT_FAILED_SIGN_IN,
        failedPerAccount: rates.RATE_LIMIT_FAILED_SIGN_IN_ACCOUNT,
        failedPerAddress: rates.RATE_LIMIT_FAILED_SIGN_IN_ADDRESS,
      }),
      // Lets server actions set cookies; Better Auth asks for it to be the last plugin.
      nextCookies(),
    ],
  });
}

let auth: ReturnType<typeof createAuth> | undefined;

/**
 * The process-wide Better Auth instance, built on first use rather than at
 * import, so `next build` needs neither the secret nor the database.
 */
export function getAuth() {
  auth ??= createAuth();
  return auth;
}
