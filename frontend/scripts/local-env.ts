/**
 * What every frontend script reads first: .env.local, as Next.js does for the app, so a script
 * acts on the database the app uses (DATABASE_URL, AUTH_SQLITE_FILE) and says which one.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { authSqliteFile } from "../lib/auth-database";

export const ENV_FILE = ".env.local";

/** Reads .env.local (from frontend/) into the environment when there is one; variables already set win, as for Next.js. */
export function loadLocalEnvFile(): void {
  if (existsSync(ENV_FILE)) process.loadEnvFile(ENV_FILE);
}

/** "Better Auth's database: ..." for the environment as loaded: the SQLite file's full path, or the PostgreSQL host and name (never the password). */
export function describeDatabase(env: NodeJS.ProcessEnv = process.env): string {
  const file = authSqliteFile(env);
  if (file !== null) return `Better Auth's database: SQLite ${path.resolve(file)}`;
  const url = new URL(env.DATABASE_URL!.trim());
  return `Better Auth's database: PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}`;
}
