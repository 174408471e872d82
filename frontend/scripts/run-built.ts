/**
 * `make run`'s web app in one Node process: `npm run setup`, then `npm run build:cached` while
 * Better Auth's tables are brought up to date, then `server.ts` (`npm start`) on the production build.
 *
 * Each Node process loads Better Auth (and the build check, Next.js) anew, which takes seconds on
 * a busy machine; one process loads them once. Deployments still run the three steps on their own.
 *
 * Usage: `NODE_ENV=production node --import tsx scripts/run-built.ts [-H 127.0.0.1] [-p 3000]`,
 * from frontend/; the arguments are server.ts's.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuilt, nextBuild } from "./build-if-changed";
import { describeMigration, migrateAuthDatabase } from "./migrate-auth-db";
import { describeDatabase, loadLocalEnvFile } from "./local-env";
import { ensureLocalEnvFile } from "./setup";

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

try {
  // First, and alone: the build reads .env.local, so it must not change under the build.
  ensureLocalEnvFile();
  loadLocalEnvFile();
  console.log(describeDatabase());
  const [tables] = await Promise.all([migrateAuthDatabase(), ensureBuilt({ frontendDir, build: () => nextBuild(frontendDir) })]);
  console.log(describeMigration(tables));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
await import("../server");
