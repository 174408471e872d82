/**
 * A real Better Auth built by lib/auth.ts, on a throw-away SQLite file (or on
 * PostgreSQL when DATABASE_URL says so), answering requests as the server
 * (server.ts) hands them over: X-Forwarded-For rewritten from the peer.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getMigrations } from "better-auth/db/migration";
import { createAuth } from "@/lib/auth";
import { forwardedFor, parseTrustedProxies } from "@/lib/client-address";

const BASE_URL = "http://127.0.0.1:3999";
const POSTGRES = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "");

/** The variables lib/auth.ts reads; no NODE_ENV, which Better Auth takes from the process itself. */
export type Env = Record<string, string | undefined>;

export const DATABASE_KIND = POSTGRES ? "PostgreSQL" : "SQLite";

// Better Auth warns on every unknown email ("User not found"); these tests send hundreds on purpose.
const warn = console.warn;
console.warn = (message?: unknown, ...rest: unknown[]) => {
  if (!String(message).includes("[Better Auth]")) warn(message, ...rest);
};

/** Every audit line (lib/audit-log.ts) the instances wrote, as written, oldest first; kept out of the test output. */
export const auditLines: string[] = [];
const info = console.info;
console.info = (message?: unknown, ...rest: unknown[]) => {
  if (typeof message === "string" && message.includes('"logger":"audit"')) auditLines.push(message);
  else info(message, ...rest);
};

export interface Attempt {
  email: string;
  password: string;
  /** The TCP peer's address. */
  peer: string;
  /** The X-Forwarded-For the peer sent, if any. */
  xff?: string;
  /** A Cookie header the browser sends along (a device cookie from an earlier sign-in). */
  cookie?: string;
}

/** A directory for one test file's database; shared by the instances it starts, as by web instances. */
export function sharedDatabase(): { env: Env; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "auth-unit-"));
  const env: Env = {
    BETTER_AUTH_URL: BASE_URL,
    // PostgreSQL outlives the run, and with it the JWT signing key, encrypted with this secret.
    BETTER_AUTH_SECRET: POSTGRES ? "unit-tests-only-not-a-secret-0000000000" : randomBytes(32).toString("base64url"),
    DATABASE_URL: POSTGRES ? process.env.DATABASE_URL : "",
    AUTH_SQLITE_FILE: path.join(dir, "auth.sqlite3"),
  };
  return { env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts one instance of the web app's Better Auth over `env` (limits and TRUSTED_PROXIES included). */
export async function startAuth(env: Env) {
  const auth = createAuth(env as NodeJS.ProcessEnv);
  await (await getMigrations(auth.options)).runMigrations();
  const trustedProxies = parseTrustedProxies(env.TRUSTED_PROXIES);

  async function post(pathname: string, body: object, peer: string, xff?: string, headers: HeadersInit = {}): Promise<Response> {
    return auth.handler(
      new Request(`${BASE_URL}/api/auth${pathname}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: BASE_URL,
          "x-forwarded-for": forwardedFor(xff, peer, trustedProxies),
          ...headers,
        },
        body: JSON.stringify(body),
      }),
    );
  }

  /** GET `pathAndQuery` (below /api/auth) as it arrives, with `headers`. */
  async function get(pathAndQuery: string, headers: HeadersInit = {}): Promise<Response> {
    return auth.handler(new Request(`${BASE_URL}/api/auth${pathAndQuery}`, { headers }));
  }

  return {
    auth,
    get,
    post,
    signIn: ({ email, password, peer, xff, cookie }: Attempt) =>
      post("/sign-in/email", { email, password }, peer, xff, cookie ? { cookie } : {}),
    signUp: (email: string, password: string, peer: string) =>
      post("/sign-up/email", { name: "Test Person", email, password }, peer),
  };
}

/** The session cookie a sign-up or sign-in answer set, as a Cookie header. */
export function sessionCookie(response: Response): string {
  const cookie = response.headers
    .getSetCookie()
    .map((header) => header.split(";")[0] ?? "")
    .find((pair) => pair.startsWith("better-auth.session_token="));
  if (!cookie) throw new Error(`no session cookie in the answer (status ${response.status})`);
  return cookie;
}

/** The device cookie a sign-in or sign-up answer set (lib/failed-sign-ins.ts), as a Cookie header; null if none. */
export function deviceCookie(response: Response): string | null {
  const pair = response.headers
    .getSetCookie()
    .map((header) => header.split(";")[0] ?? "")
    .find((cookie) => /^(__Secure-)?better-auth\.device=./.test(cookie));
  return pair ?? null;
}

/** The session token inside a session cookie (the cookie's value is "<token>.<signature>"). */
export function sessionToken(cookie: string): string {
  return decodeURIComponent(cookie.split("=")[1] ?? "").split(".")[0] ?? "";
}

/** An email no other run has used, so runs against one PostgreSQL database never meet. */
export const freshEmail = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`;

/** A random address in 10.0.0.0/8, likewise. */
export const freshAddress = () => `10.${[...randomBytes(3)].join(".")}`;
