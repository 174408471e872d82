/**
 * Real Better Auth servers for the tests, on the memory adapter, SQLite
 * (better-sqlite3) or PostgreSQL (pg, when reachable at 127.0.0.1:5432 or at
 * REVOCATION_FEED_TEST_POSTGRES), answering requests through auth.handler.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { getMigrations } from "better-auth/db/migration";
import { admin, jwt } from "better-auth/plugins";
import { revocationFeed } from "../index.js";

export const BASE_URL = "http://127.0.0.1:3999";
export const FEED_PATH = "/api/auth/revocations";
export const PASSWORD = "correct horse battery";
const POSTGRES_URL = process.env.REVOCATION_FEED_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";

// Better Auth warns about every probe of an unknown user and similar; keep the output to the tests.
const warn = console.warn;
console.warn = (message, ...rest) => {
  if (!String(message).includes("Better Auth") && !String(message).includes("better-auth")) warn(message, ...rest);
};

let postgresState;
/** Whether PostgreSQL answers; asked once. */
export async function postgresReachable() {
  postgresState ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query("select 1");
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresState;
}

const POSTGRES_SKIP = `PostgreSQL is not reachable at ${POSTGRES_URL.replace(/\/[^/]*$/, "")}: its tests are SKIPPED, not passed`;

/**
 * describe() once per database kind. PostgreSQL's block is skipped, with a loud
 * line on stderr, when the server does not answer.
 */
export async function eachDatabase(name, body, kinds = ["memory", "sqlite", "postgres"]) {
  const { describe, test } = await import("node:test");
  const reachable = kinds.includes("postgres") ? await postgresReachable() : false;
  for (const kind of kinds) {
    if (kind === "postgres" && !reachable) {
      process.stderr.write(`\n*** ${POSTGRES_SKIP} (${name}) ***\n\n`);
      describe(`${name} (postgres)`, () => test("every test of this block", { skip: POSTGRES_SKIP }, () => {}));
      continue;
    }
    describe(`${name} (${kind})`, () => body(kind));
  }
}

/** A fresh, empty database of `kind`: what Better Auth is handed, and how to throw it away. */
export async function freshDatabase(kind) {
  if (kind === "memory") {
    const db = { user: [], session: [], account: [], verification: [], jwks: [], rateLimit: [], revocationEvent: [] };
    return { kind, database: () => memoryAdapter(db), db, remove: async () => undefined };
  }
  if (kind === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "revocation-feed-"));
    const file = path.join(dir, "auth.sqlite3");
    const opened = [];
    return {
      kind,
      file,
      database: () => {
        const connection = new Database(file);
        connection.pragma("journal_mode = WAL");
        connection.pragma("busy_timeout = 5000");
        opened.push(connection);
        return connection;
      },
      remove: async () => {
        for (const connection of opened) connection.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `revfeed_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = POSTGRES_URL.replace(/\/[^/]*$/, `/${name}`);
  const pools = [];
  return {
    kind,
    url,
    database: () => {
      const pool = new pg.Pool({ connectionString: url, max: 5 });
      // Dropping the database at the end ends any connection still open; that is no failure.
      pool.on("error", () => undefined);
      pools.push(pool);
      return pool;
    },
    remove: async () => {
      await Promise.all(pools.map((pool) => pool.end()));
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** Better Auth options as the tests use them; `overrides` replaces any of them. */
export function authOptions(store, { feed = {}, jwtOptions = {}, plugins, ...overrides } = {}) {
  return {
    baseURL: BASE_URL,
    secret: overrides.secret ?? "better-auth-secret-for-tests-only-0123456789",
    database: store.database(),
    emailAndPassword: { enabled: true },
    user: { deleteUser: { enabled: true } },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { disabled: true },
    plugins: plugins ?? [jwt(jwtOptions), admin(), revocationFeed(feed)],
    ...overrides,
  };
}

/** One Better Auth instance over `store`, its tables migrated (or declared, for memory). */
export async function startAuth(store, config = {}) {
  const auth = betterAuth(authOptions(store, config));
  if (store.kind !== "memory") await (await getMigrations(auth.options)).runMigrations();
  await auth.$context;

  let address = 0;
  const peer = () => `10.0.${Math.floor(address / 250)}.${(address++ % 250) + 1}`;

  async function post(pathname, body = {}, headers = {}) {
    return auth.handler(
      new Request(`${BASE_URL}/api/auth${pathname}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: BASE_URL, "x-forwarded-for": peer(), ...headers },
        body: JSON.stringify(body),
      }),
    );
  }

  /** GET `pathAndQuery` (below /api/auth) with `headers`. */
  async function get(pathAndQuery, headers = {}) {
    return auth.handler(new Request(`${BASE_URL}/api/auth${pathAndQuery}`, { headers: { "x-forwarded-for": peer(), ...headers } }));
  }

  return { auth, post, get };
}

export const now = () => Math.floor(Date.now() / 1000);
export const freshNonce = () => randomBytes(16).toString("base64url");

/** The Authorization header the protocol asks for. */
export function authorization(secret, target, t = now()) {
  const sig = createHmac("sha256", secret).update(`${t}\nGET\n${target}`).digest("hex");
  return `Revocation-HMAC t=${t}, sig=${sig}`;
}

/** A signed feed request; `signedQuery` differs from `query` to test a tampered one. */
export function feedRequest(server, secret, query, { t = now(), signedQuery = query, key = secret } = {}) {
  return server.get(`/revocations?${query}`, { authorization: authorization(key, `${FEED_PATH}?${signedQuery}`, t) });
}

/** The session cookie a sign-up or sign-in answer set, as a Cookie header. */
export function sessionCookie(response) {
  const cookie = response.headers
    .getSetCookie()
    .map((header) => header.split(";")[0])
    .find((pair) => pair.startsWith("better-auth.session_token="));
  if (!cookie) throw new Error(`no session cookie in the answer (status ${response.status})`);
  return cookie;
}

/** The session token inside a session cookie ("<token>.<signature>"). */
export const sessionToken = (cookie) => decodeURIComponent(cookie.split("=")[1]).split(".")[0];

export const freshEmail = (name) => `${name}-${randomUUID().slice(0, 8)}@example.com`;

/** Signs a person up (or in again, for another session) and reads their ids. */
export async function signUp(server, name) {
  const email = freshEmail(name);
  const response = await server.post("/sign-up/email", { name: "Test Person", email, password: PASSWORD });
  if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  return session(server, email, sessionCookie(response));
}

export async function signInAgain(server, person) {
  const response = await server.post("/sign-in/email", { email: person.email, password: PASSWORD });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status}`);
  return session(server, person.email, sessionCookie(response));
}

async function session(server, email, cookie) {
  const answer = await (await server.get("/get-session", { cookie })).json();
  return { email, cookie, userId: answer.user.id, sessionId: answer.session.id };
}
