import assert from "node:assert/strict";
import { test } from "node:test";
import { describeDatabase } from "../../scripts/local-env";
import { addressMismatches, requestedUrls } from "../../scripts/setup";

// `make run PORT=8100 WEB_PORT=3100` must not go on with a .env.local written for 3000 and 8000.
const written = "BETTER_AUTH_SECRET=x\nBETTER_AUTH_URL=http://localhost:3000\nNEXT_PUBLIC_API_BASE_URL=http://127.0.0.1:8000\n";
const env = (values: Record<string, string>) => values as NodeJS.ProcessEnv;
const otherPorts = env({ RUN_WEB_URL: "http://localhost:3100", RUN_API_URL: "http://127.0.0.1:8100" });

test("a new .env.local gets the addresses asked for, else the usual ones", () => {
  assert.deepEqual(requestedUrls(otherPorts), { BETTER_AUTH_URL: "http://localhost:3100", NEXT_PUBLIC_API_BASE_URL: "http://127.0.0.1:8100" });
  assert.deepEqual(requestedUrls(env({})), { BETTER_AUTH_URL: "http://localhost:3000", NEXT_PUBLIC_API_BASE_URL: "http://127.0.0.1:8000" });
});

test("an existing .env.local naming other ports is reported line by line, with what the run needs", () => {
  const mismatches = addressMismatches(written, otherPorts);
  assert.equal(mismatches.length, 2);
  assert.match(mismatches[0] ?? "", /BETTER_AUTH_URL=http:\/\/localhost:3000 .*needs BETTER_AUTH_URL=http:\/\/localhost:3100/);
  assert.match(mismatches[1] ?? "", /NEXT_PUBLIC_API_BASE_URL=http:\/\/127.0.0.1:8000 .*8100/);
  assert.deepEqual(addressMismatches(written, env({ RUN_WEB_URL: "http://localhost:3000", RUN_API_URL: "http://127.0.0.1:8000" })), []);
  // `npm run setup` alone asks for nothing: whatever the file says stands.
  assert.deepEqual(addressMismatches(written, env({})), []);
});

test("scripts say which database they act on, never the password", () => {
  assert.match(describeDatabase(env({ AUTH_SQLITE_FILE: "/tmp/x/auth.sqlite3" })), /SQLite \/tmp\/x\/auth\.sqlite3$/);
  const postgres = describeDatabase(env({ DATABASE_URL: "postgres://app:s3cret@db.internal:5433/tasks" }));
  assert.equal(postgres, "Better Auth's database: PostgreSQL db.internal:5433/tasks");
});
