/**
 * `npm run setup`: writes .env.local with a fresh development secret when there
 * is none, then creates or updates Better Auth's database.
 */
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { describeMigration, migrateAuthDatabase } from "./migrate-auth-db";

const ENV_FILE = ".env.local";

function ensureLocalEnvFile(): void {
  if (existsSync(ENV_FILE)) {
    console.log(`${ENV_FILE} exists; keeping it.`);
    return;
  }
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(
    ENV_FILE,
    [
      "# Local settings written by `npm run setup`; see .env.example for every variable.",
      `BETTER_AUTH_SECRET=${secret}`,
      "BETTER_AUTH_URL=http://localhost:3000",
      "NEXT_PUBLIC_API_BASE_URL=http://127.0.0.1:8000",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  console.log(`Wrote ${ENV_FILE} with a generated BETTER_AUTH_SECRET.`);
}

ensureLocalEnvFile();
// Variables already set in the environment win over the file, as they do for Next.js.
process.loadEnvFile(ENV_FILE);
console.log(describeMigration(await migrateAuthDatabase()));
process.exit(0);
