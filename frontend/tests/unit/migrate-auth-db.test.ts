import assert from "node:assert/strict";
import { test } from "node:test";
import { sharedDatabase } from "./auth-server";

const database = sharedDatabase();
// Not before exit: the process-wide instance may still be closing its connection after the test.
process.once("exit", () => database.remove());

test("the migration creates the tables the limits and revocations are kept in, next to Better Auth's own", async () => {
  // getAuth() reads the process environment; a fresh SQLite file, whatever DATABASE_URL says.
  Object.assign(process.env, { ...database.env, DATABASE_URL: "" });
  const { migrateAuthDatabase } = await import("../../scripts/migrate-auth-db");
  const created = await migrateAuthDatabase();
  for (const table of ["user", "session", "account", "verification", "jwks", "rateLimit", "signInCounter", "revocationEvent"]) {
    assert.ok(created.includes(table), `${table} is created (got ${created.join(", ")})`);
  }
  assert.deepEqual(await migrateAuthDatabase(), [], "a second run finds nothing to do");
});
