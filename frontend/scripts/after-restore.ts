/**
 * `npm run after-restore`: run once after restoring Better Auth's database from a
 * backup, before the web app serves again. The backup brought back every session
 * that ended after it was taken; this ends them all, each with its revocation
 * event, under a new incarnation of the feed, so no API process accepts their
 * tokens. Everyone signs in again.
 */
import { endSessionsAfterRestore } from "better-auth-revocation-feed";
import { getAuth } from "../lib/auth";
import { describeDatabase, loadLocalEnvFile } from "./local-env";

try {
  // Before anything reads the environment: the database is the one .env.local names.
  loadLocalEnvFile();
  console.log(describeDatabase());
  const { ended } = await endSessionsAfterRestore(getAuth());
  console.log(`Sessions ended after the restore: ${ended}. Everyone signs in again.`);
  process.exit(0);
} catch (error) {
  console.error("Ending the restored sessions failed:", error instanceof Error ? error.message : error);
  process.exit(1);
}
