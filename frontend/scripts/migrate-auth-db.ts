/**
 * Creates or updates Better Auth's tables (the programmatic form of
 * `@better-auth/cli migrate`), in SQLite or in PostgreSQL per DATABASE_URL.
 */
import { pathToFileURL } from "node:url";
import { createClient } from "@libsql/client";
import { getMigrations } from "better-auth/db/migration";
import { getAuth } from "../lib/auth";
import { authSqliteFile } from "../lib/auth-database";
import { describeDatabase, loadLocalEnvFile } from "./local-env";

/** Applies what is missing and returns the tables it created or extended. */
export async function migrateAuthDatabase(): Promise<string[]> {
  const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(getAuth().options);
  await runMigrations();
  await useWriteAheadLog();
  return [...toBeCreated, ...toBeAdded].map((change) => change.table);
}

/**
 * SQLite only: the write-ahead log, kept in the file once set. In the default
 * rollback-journal mode a reader (an online backup, say) makes a commit fail at
 * once, and the sign-in that made it answers 500; with WAL writers go on.
 */
async function useWriteAheadLog(): Promise<void> {
  const file = authSqliteFile();
  if (file === null) return;
  const client = createClient({ url: `file:${file}` });
  try {
    await client.execute("PRAGMA journal_mode = WAL");
  } finally {
    client.close();
  }
}

export function describeMigration(tables: string[]): string {
  return tables.length ? `Better Auth tables migrated: ${tables.join(", ")}.` : "Better Auth tables are up to date.";
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    loadLocalEnvFile();
    console.log(describeDatabase());
    console.log(describeMigration(await migrateAuthDatabase()));
    process.exit(0);
  } catch (error) {
    console.error("Migrating Better Auth's database failed:", error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
