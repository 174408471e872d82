/**
 * Creates or updates Better Auth's tables (the programmatic form of
 * `@better-auth/cli migrate`), in SQLite or in PostgreSQL per DATABASE_URL.
 */
import { pathToFileURL } from "node:url";
import { getMigrations } from "better-auth/db/migration";
import { getAuth } from "../lib/auth";

/** Applies what is missing and returns the tables it created or extended. */
export async function migrateAuthDatabase(): Promise<string[]> {
  const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(getAuth().options);
  await runMigrations();
  return [...toBeCreated, ...toBeAdded].map((change) => change.table);
}

export function describeMigration(tables: string[]): string {
  return tables.length ? `Better Auth tables migrated: ${tables.join(", ")}.` : "Better Auth tables are up to date.";
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    console.log(describeMigration(await migrateAuthDatabase()));
    process.exit(0);
  } catch (error) {
    console.error("Migrating Better Auth's database failed:", error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
