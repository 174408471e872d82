/**
 * `npm run setup`: writes .env.local with fresh development secrets when there
 * is none, then creates or updates Better Auth's database.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseEnv } from "node:util";
import { ENV_FILE, describeDatabase, loadLocalEnvFile } from "./local-env";
import { describeMigration, migrateAuthDatabase } from "./migrate-auth-db";

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

/**
 * The addresses `make run` / `make dev` asked for (RUN_WEB_URL, RUN_API_URL, from WEB_PORT, HOST
 * and PORT), else the defaults: the web app at http://localhost:3000, the API at http://127.0.0.1:8000.
 */
export function requestedUrls(env: NodeJS.ProcessEnv = process.env): { BETTER_AUTH_URL: string; NEXT_PUBLIC_API_BASE_URL: string } {
  return {
    BETTER_AUTH_URL: env.RUN_WEB_URL || "http://localhost:3000",
    NEXT_PUBLIC_API_BASE_URL: env.RUN_API_URL || "http://127.0.0.1:8000",
  };
}

/**
 * The lines of an existing .env.local that name other addresses than the ones asked for, each
 * with its fix. Only checked when they were asked for; values set on purpose are never rewritten.
 */
export function addressMismatches(text: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!env.RUN_WEB_URL && !env.RUN_API_URL) return [];
  const file = parseEnv(text);
  return Object.entries(requestedUrls(env))
    .filter(([name, wanted]) => file[name] !== undefined && file[name] !== wanted)
    .map(([name, wanted]) => `  ${name}=${file[name]}  (this run needs ${name}=${wanted})`);
}

export function ensureLocalEnvFile(): void {
  if (existsSync(ENV_FILE)) {
    // Files written before the revocation feed existed get its secret added, nothing else changes.
    const text = readFileSync(ENV_FILE, "utf8");
    const mismatches = addressMismatches(text);
    if (mismatches.length) {
      throw new Error(
        [
          `frontend/${ENV_FILE} names other addresses than this run's ports:`,
          ...mismatches,
          `Edit those lines in frontend/${ENV_FILE} (or delete the file to have it written anew), or run on the ports it names.`,
        ].join("\n"),
      );
    }
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
      `BETTER_AUTH_URL=${requestedUrls().BETTER_AUTH_URL}`,
      `NEXT_PUBLIC_API_BASE_URL=${requestedUrls().NEXT_PUBLIC_API_BASE_URL}`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  console.log(`Wrote ${ENV_FILE} with a generated BETTER_AUTH_SECRET and the REVOCATION_FEED_SECRET from ${feed.from}.`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    ensureLocalEnvFile();
    loadLocalEnvFile();
    console.log(describeDatabase());
    console.log(describeMigration(await migrateAuthDatabase()));
    process.exit(0);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
