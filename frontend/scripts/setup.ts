/**
 * `npm run setup`: writes .env.local with fresh development secrets when there
 * is none, then creates or updates Better Auth's database.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseEnv } from "node:util";
import { describeMigration, migrateAuthDatabase } from "./migrate-auth-db";

const ENV_FILE = ".env.local";
// The API's local settings (`make run` writes them), whose feed secret this app must share.
const API_ENV_FILE = "../.env";

/** The API's REVOCATION_FEED_SECRET when it has one (environment, then ../.env), else a fresh one. */
function feedSecret(): { secret: string; from: string } {
  const fromEnvironment = process.env.REVOCATION_FEED_SECRET;
  if (fromEnvironment) return { secret: fromEnvironment, from: "the environment" };
  const apiEnv = existsSync(API_ENV_FILE) ? parseEnv(readFileSync(API_ENV_FILE, "utf8")) : {};
  const shared = apiEnv.REVOCATION_FEED_SECRET;
  if (shared) return { secret: shared, from: API_ENV_FILE };
  return { secret: randomBytes(32).toString("base64url"), from: "a fresh value (give the API the same one)" };
}

export function ensureLocalEnvFile(): void {
  if (existsSync(ENV_FILE)) {
    // Files written before the revocation feed existed get its secret added, nothing else changes.
    const text = readFileSync(ENV_FILE, "utf8");
    if (!("REVOCATION_FEED_SECRET" in parseEnv(text))) {
      const { secret, from } = feedSecret();
      const newline = text === "" || text.endsWith("\n") ? "" : "\n";
      appendFileSync(ENV_FILE, `${newline}REVOCATION_FEED_SECRET=${secret}\n`);
      console.log(`${ENV_FILE} exists; added REVOCATION_FEED_SECRET from ${from}.`);
    } else {
      console.log(`${ENV_FILE} exists; keeping it.`);
    }
    return;
  }
  const secret = randomBytes(32).toString("base64url");
  const feed = feedSecret();
  writeFileSync(
    ENV_FILE,
    [
      "# Local settings written by `npm run setup`; see .env.example for every variable.",
      `BETTER_AUTH_SECRET=${secret}`,
      `REVOCATION_FEED_SECRET=${feed.secret}`,
      "BETTER_AUTH_URL=http://localhost:3000",
      "NEXT_PUBLIC_API_BASE_URL=http://127.0.0.1:8000",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  console.log(`Wrote ${ENV_FILE} with a generated BETTER_AUTH_SECRET and the REVOCATION_FEED_SECRET from ${feed.from}.`);
}

/** Reads .env.local into the environment; variables already set win over the file, as they do for Next.js. */
export function loadLocalEnvFile(): void {
  process.loadEnvFile(ENV_FILE);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  ensureLocalEnvFile();
  loadLocalEnvFile();
  console.log(describeMigration(await migrateAuthDatabase()));
  process.exit(0);
}
