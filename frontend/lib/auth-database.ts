import { LibsqlDialect } from "kysely-libsql";
import { Pool } from "pg";

const DEFAULT_SQLITE_FILE = "auth.sqlite3";

/**
 * Better Auth's own database: PostgreSQL when `DATABASE_URL` is a postgres URL
 * (Better Auth creates its own `user`, `session`, `account`, `verification`
 * and `jwks` tables there and never touches the API's tasks table), otherwise
 * a SQLite file under frontend/.
 *
 * SQLite goes through libsql because its native binary ships as a per-platform
 * npm package, so `npm ci` needs no compiler and no download from outside the
 * npm registry. better-sqlite3 fetches its prebuilt binary from GitHub and
 * otherwise compiles with node-gyp, and Node 20 has no `node:sqlite`.
 */
export function createAuthDatabase(env: NodeJS.ProcessEnv = process.env) {
  const databaseUrl = env.DATABASE_URL?.trim();
  if (databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl)) {
    return new Pool({ connectionString: databaseUrl });
  }
  // The API's own SQLite URL may be exported to both processes; Better Auth then keeps to its file.
  if (databaseUrl && !databaseUrl.startsWith("sqlite:")) {
    throw new Error(
      `DATABASE_URL must be a postgres:// URL (or unset for SQLite); got a "${databaseUrl.split(":")[0]}:" URL.`,
    );
  }
  return { dialect: new LibsqlDialect({ url: `file:${authSqliteFile(env)}` }), type: "sqlite" as const };
}

/** The SQLite file Better Auth uses, or null on PostgreSQL. A relative path is taken from frontend/ under npm scripts. */
export function authSqliteFile(env: NodeJS.ProcessEnv = process.env): string | null {
  if (/^postgres(ql)?:\/\//.test(env.DATABASE_URL?.trim() ?? "")) return null;
  return env.AUTH_SQLITE_FILE || DEFAULT_SQLITE_FILE;
}
