/**
 * `make first-run`: what a newcomer waits for, from `make run` to their first task list.
 *
 * Clones the repository's committed HEAD (`--revision REV` for another, e.g. to compare with an
 * older `make run`; or takes `--repo DIR` as it is), then starts `make <target>` there (default
 * `run`) `--starts` times (default 2: the first, which builds the app, then a second one on that
 * build), and for each start prints:
 *
 * - the time from `make run` to http://localhost:<port>/ answering 200 (redirects followed, as a
 *   browser does), and to the API answering too;
 * - in a new headless Chromium (Debian's, driven by playwright-core as in e2e/): how long the
 *   sign-up page takes to load, and from the click on "Create account" to the task list's
 *   address and to the first task list on screen (its empty state).
 *
 * Dependencies: `--deps link` (default) hard-links this checkout's .venv and frontend/node_modules
 * into the clone, as installed already; `--deps install` leaves them out, so `make run`
 * installs everything itself, as for a new user. Ports are free ones, not 3000 and 8000; the
 * URLs that name them are passed in the environment, which wins over the .env files `make run` writes.
 *
 * Prints figures, asserts none; exits 1 only when a start never answers or the sign-up fails.
 *
 * Usage: `make first-run FIRST_RUN_ARGS="--deps install --starts 3"`, or from frontend/
 * `npx tsx e2e/first-run.ts [--repo DIR] [--target dev] [--keep]`.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium, type Browser } from "playwright-core";
import { stopProcess } from "./stack";

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = path.resolve(frontendDir, "..");
const READY_TIMEOUT_MS = 20 * 60_000;
const STEP_TIMEOUT_MS = 120_000;

const { values: options } = parseArgs({
  options: {
    repo: { type: "string" },
    revision: { type: "string", default: "HEAD" },
    target: { type: "string", default: "run" },
    starts: { type: "string", default: "2" },
    deps: { type: "string", default: "link" },
    keep: { type: "boolean", default: false },
  },
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A clone of HEAD as a new user gets it, with the dependencies linked in or not. */
function cloneRepository(deps: string, revision: string): string {
  const commit = execFileSync("git", ["-C", repoRoot, "rev-parse", "--verify", `${revision}^{commit}`], { encoding: "utf8" }).trim();
  const dir = mkdtempSync(path.join(tmpdir(), "first-run-"));
  execFileSync("git", ["clone", "--quiet", repoRoot, dir], { stdio: "inherit" });
  execFileSync("git", ["-C", dir, "checkout", "--quiet", commit], { stdio: "inherit" });
  if (deps === "link") {
    // Hard links: nothing in this checkout's installs is written through them. The stamps the
    // Makefile compares with the clone's newer files are made anew, not touched through a link.
    execFileSync("cp", ["-al", path.join(repoRoot, ".venv") + "/.", path.join(dir, ".venv")]);
    execFileSync("cp", ["-al", path.join(frontendDir, "node_modules"), path.join(dir, "frontend", "node_modules")]);
    for (const stamp of [".venv/.installed", "frontend/node_modules/.installed"]) {
      rmSync(path.join(dir, stamp), { force: true });
      writeFileSync(path.join(dir, stamp), "");
    }
  } else if (deps !== "install") {
    throw new Error(`--deps is link or install, not ${deps}`);
  }
  return dir;
}

async function answers(url: string, status: number): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status === status;
  } catch {
    return false;
  }
}

interface Start {
  pageMs: number;
  apiMs: number;
  signUpPageMs: number;
  toTasksUrlMs: number;
  toTaskListMs: number;
}

interface Ports {
  web: number;
  api: number;
}

async function oneStart(dir: string, logDir: string, n: number, ports: Ports, browser: Browser): Promise<Start> {
  const [webPort, apiPort] = [ports.web, ports.api];
  const webUrl = `http://localhost:${webPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const log = createWriteStream(path.join(logDir, `first-run-${n}.log`));
  const started = Date.now();
  const make: ChildProcess = spawn("make", [options.target!, `PORT=${apiPort}`, `WEB_PORT=${webPort}`], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      BETTER_AUTH_URL: webUrl,
      CORS_ORIGINS: webUrl,
      NEXT_PUBLIC_API_BASE_URL: apiUrl,
      NEXT_TELEMETRY_DISABLED: "1",
    },
  });
  make.stdout?.pipe(log);
  make.stderr?.pipe(log);
  try {
    let pageMs = 0;
    let apiMs = 0;
    while (!pageMs || !apiMs) {
      if (make.exitCode !== null) throw new Error(`make ${options.target} exited with ${make.exitCode}; see ${log.path}`);
      if (Date.now() - started > READY_TIMEOUT_MS) throw new Error(`not answering after ${seconds(READY_TIMEOUT_MS)}; see ${log.path}`);
      if (!pageMs && (await answers(`${webUrl}/`, 200))) pageMs = Date.now() - started;
      if (!apiMs && (await answers(`${apiUrl}/api/me`, 401))) apiMs = Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const context = await browser.newContext({ viewport: { width: 1200, height: 820 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const opened = Date.now();
    await page.goto(`${webUrl}/sign-up`, { timeout: STEP_TIMEOUT_MS });
    await page.getByRole("button", { name: "Create account" }).waitFor();
    const signUpPageMs = Date.now() - opened;
    await page.locator("#name").fill("Ada Newcomer");
    await page.locator("#email").fill(`ada-${Date.now()}@example.com`);
    await page.locator("#password").fill("correct horse battery");
    const clicked = Date.now();
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL((current) => current.pathname === "/tasks", { timeout: STEP_TIMEOUT_MS });
    const toTasksUrlMs = Date.now() - clicked;
    await page.getByTestId("empty-state").waitFor();
    const toTaskListMs = Date.now() - clicked;
    await context.close();
    return { pageMs, apiMs, signUpPageMs, toTasksUrlMs, toTaskListMs };
  } finally {
    await stopGroup(make);
    log.end();
  }
}

/** make and the servers it started share its process group: all of them stop, and their ports are let go. */
async function stopGroup(make: ChildProcess): Promise<void> {
  const pid = make.pid;
  await stopProcess(make, 15_000);
  // The servers may outlive make by a moment; whatever of the group is left goes too.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  try {
    if (pid !== undefined) process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function main(): Promise<number> {
  const dir = options.repo ? path.resolve(options.repo) : cloneRepository(options.deps!, options.revision!);
  const revision = execFileSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  console.log(
    `first-run: make ${options.target} in ${dir} (${revision}; ${options.repo ? "as it is" : `fresh clone, dependencies ${options.deps === "link" ? "already installed" : "installed by make"}`})`,
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  // The same ports on every start: the API's address is a NEXT_PUBLIC_ value, and a new one
  // would rightly count as a change to the build.
  const ports = { web: await freePort(), api: await freePort() };
  const logDir = mkdtempSync(path.join(tmpdir(), "first-run-logs-"));
  let failed = false;
  try {
    for (let n = 1; n <= Number(options.starts); n += 1) {
      const label = n === 1 ? "start 1 (the first, building if needed)" : `start ${n} (again)`;
      try {
        const start = await oneStart(dir, logDir, n, ports, browser);
        console.log(
          `${label}: page answers 200 after ${seconds(start.pageMs)}, API after ${seconds(start.apiMs)}; ` +
            `sign-up page loads in ${seconds(start.signUpPageMs)}; click -> /tasks ${seconds(start.toTasksUrlMs)}, ` +
            `click -> first task list ${seconds(start.toTaskListMs)}`,
        );
      } catch (error) {
        failed = true;
        console.log(`${label}: FAILED: ${error instanceof Error ? error.message : error}`);
        break;
      }
    }
  } finally {
    await browser.close();
    if (!options.repo && !options.keep && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    if (failed || options.keep) console.log(`first-run: make's output in ${logDir}/first-run-*.log`);
    else rmSync(logDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("first-run:", error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
