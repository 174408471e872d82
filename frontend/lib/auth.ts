import { betterAuth } from "better-auth";
import { nextCookies } from "better-auth/next-js";
import { jwt } from "better-auth/plugins";
import { createAuthDatabase } from "./auth-database";
import { PASSWORD_MAX, PASSWORD_MIN } from "./validation";

/** Better Auth on the server: email and password, sessions in an httpOnly SameSite=Lax cookie, EdDSA JWTs. */
function createAuth(env: NodeJS.ProcessEnv = process.env) {
  return betterAuth({
    appName: "Tasks",
    baseURL: env.BETTER_AUTH_URL,
    secret: env.BETTER_AUTH_SECRET,
    database: createAuthDatabase(env),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: PASSWORD_MIN,
      maxPasswordLength: PASSWORD_MAX,
      autoSignIn: true,
    },
    telemetry: { enabled: false },
    plugins: [
      // Defaults: EdDSA (Ed25519) keys, JWKS at /api/auth/jwks, iss = aud = BETTER_AUTH_URL.
      // The API expects the default lifetime (exp = iat + 900); end-to-end tests shorten it
      // with TEST_JWT_EXPIRATION_TIME (e.g. "10s") to watch the silent refresh happen.
      jwt({ jwt: { expirationTime: env.TEST_JWT_EXPIRATION_TIME || "15m" } }),
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
