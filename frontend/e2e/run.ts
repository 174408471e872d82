/**
 * `npm run e2e`: builds the app, starts the real API and the app on loopback,
 * runs the browser scenarios with node's test runner, and always stops both.
 *
 * Arguments narrow the scenario files by name (`npm run e2e -- journey`).
 * Environment: E2E_SKIP_BUILD=1 reuses the last `next build`; E2E_API_DIR
 * points at the API checkout (default: the repository root above frontend/).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { nextBin, startStack, type Stack } from "./stack";

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const artifactsDir = path.join(frontendDir, "test-artifacts");
/** Everything, build included, must be over by then; CI runs are time-boxed. */
const TIME_LIMIT_MS = 15 * 60_000;
/** Short enough that the scenarios outlive several tokens; see TEST_JWT_EXPIRATION_TIME in lib/auth.ts. */
export const E2E_JWT_LIFETIME_SECONDS = 8;

const selection = process.argv.slice(2);
// No Next.js telemetry from the build, the servers or the scenarios: every child inherits this.
process.env.NEXT_TELEMETRY_DISABLED = "1";
let stack: Stack | undefined;
const children = new Set<ChildProcess>();

async function main(): Promise<number> {
  if (process.env.E2E_SKIP_BUILD !== "1") {
    const built = await run(nextBin(frontendDir), ["build"], process.env);
    if (built !== 0) return built;
  }

  // Each run writes its own accessibility results (e2e/support/axe.ts).
  rmSync(path.join(artifactsDir, "axe"), { recursive: true, force: true });
  const startedAt = Date.now();
  stack = await startStack({
    frontendDir,
    apiDir: path.resolve(process.env.E2E_API_DIR ?? path.join(frontendDir, "..")),
    logDir: path.join(artifactsDir, "logs"),
    jwtExpirationTime: `${E2E_JWT_LIFETIME_SECONDS}s`,
  });
  console.log(`e2e: API ${stack.apiUrl} and app ${stack.webUrl} ready in ${Date.now() - startedAt} ms`);

  const scenarios = readdirSync(path.join(frontendDir, "e2e"))
    .filter((name) => name.endsWith(".e2e.ts"))
    .filter((name) => selection.length === 0 || selection.some((part) => name.includes(part)))
    .sort()
    .map((name) => path.join("e2e", name));
  return run(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=1", "--test-timeout=180000", ...scenarios],
    {
      ...process.env,
      E2E_WEB_URL: stack.webUrl,
      E2E_API_URL: stack.apiUrl,
      E2E_ARTIFACTS_DIR: artifactsDir,
      E2E_JWT_LIFETIME_SECONDS: String(E2E_JWT_LIFETIME_SECONDS),
    },
  );
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: frontendDir, env, stdio: "inherit" });
    children.add(child);
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function shutDown(code: number): Promise<never> {
  for (const child of children) child.kill("SIGTERM");
  await stack?.stop().catch(() => undefined);
  process.exit(code);
}

setTimeout(() => {
  console.error(`e2e: stopped after ${TIME_LIMIT_MS / 60_000} minutes`);
  void shutDown(124);
}, TIME_LIMIT_MS).unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void shutDown(130));

main()
  .then(shutDown)
  .catch(async (error: unknown) => {
    console.error("e2e:", error instanceof Error ? error.message : error);
    await shutDown(1);
  });
