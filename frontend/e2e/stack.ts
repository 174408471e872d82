/**
 * Starts the real Django API and the built Next.js app on free loopback ports,
 * each with its own throw-away database, and stops both again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_RATES } from "../lib/auth-limits";

export interface StackOptions {
  frontendDir: string;
  /** The repository root, where manage.py and .venv live. */
  apiDir: string;
  logDir: string;
  /** Better Auth's JWT lifetime for this run, e.g. "8s". */
  jwtExpirationTime: string;
}

export interface Stack {
  webUrl: string;
  apiUrl: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

export async function startStack(options: StackOptions): Promise<Stack> {
  const python = path.join(options.apiDir, ".venv", "bin", "python");
  if (!existsSync(path.join(options.apiDir, "manage.py")) || !existsSync(python)) {
    throw new Error(`The API is not installed: expected ${python} and manage.py in ${options.apiDir} (run \`make test\` there first).`);
  }
  mkdirSync(options.logDir, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), "tasks-e2e-"));
  const [webPort, apiPort] = [await freePort(), await freePort()];
  // 127.0.0.1 everywhere: the browser's origin, Better Auth's iss/aud and the API's expectation must match exactly.
  const webUrl = `http://127.0.0.1:${webPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const running: ChildProcess[] = [];
  // Both sides of the revocation feed: the app serves it, the API polls it.
  const revocationFeedSecret = randomBytes(32).toString("base64url");

  const apiEnv = {
    ...process.env,
    DEBUG: "1",
    SECRET_KEY: "e2e-only-not-secret",
    BETTER_AUTH_URL: webUrl,
    CORS_ORIGINS: webUrl,
    DATABASE_URL: `sqlite:///${path.join(dataDir, "api.sqlite3")}`,
    // No clock leeway, so a token past exp is refused at once and the silent refresh is really exercised.
    JWT_LEEWAY_SECONDS: "0",
    REVOCATION_FEED_SECRET: revocationFeedSecret,
    // long-list.e2e.ts creates 2,000 tasks for one person through the API, as a person with a long
    // list would have over months; the real 120 writes a minute would make that take 17 minutes.
    RATE_LIMIT_WRITES: "10000/m",
  };
  const webEnv = {
    ...process.env,
    BETTER_AUTH_URL: webUrl,
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    REVOCATION_FEED_SECRET: revocationFeedSecret,
    NEXT_PUBLIC_API_BASE_URL: apiUrl,
    AUTH_SQLITE_FILE: path.join(dataDir, "auth.sqlite3"),
    DATABASE_URL: "",
    TEST_JWT_EXPIRATION_TIME: options.jwtExpirationTime,
    // The scenarios check that the request log shows method, path, status and time, and never a token.
    NEXT_PUBLIC_API_DEBUG: "1",
    NEXT_TELEMETRY_DISABLED: "1",
    // The real rate limits, which sign-in-limits.e2e.ts checks (other scenarios wait when the form
    // says so), except for sign-ups: every scenario signs a new person up from 127.0.0.1.
    ...Object.fromEntries(Object.keys(DEFAULT_RATES).map((name) => [name, ""])),
    RATE_LIMIT_SIGN_UP: "100/m",
    TRUSTED_PROXIES: "",
  };

  async function stop() {
    await Promise.all(running.map((child) => stopProcess(child)));
    rmSync(dataDir, { recursive: true, force: true });
  }

  try {
    await runToEnd(python, ["manage.py", "migrate", "--no-input", "-v", "0"], options.apiDir, apiEnv, options.logDir, "api-migrate");
    await runToEnd(tsxBin(options.frontendDir), ["scripts/migrate-auth-db.ts"], options.frontendDir, webEnv, options.logDir, "auth-migrate");

    running.push(
      startLogged(python, ["manage.py", "runserver", `127.0.0.1:${apiPort}`, "--noreload"], options.apiDir, apiEnv, options.logDir, "api"),
      // server.ts, as `npm start` runs it: the client address comes from the connection.
      startLogged(tsxBin(options.frontendDir), ["server.ts", "-H", "127.0.0.1", "-p", String(webPort)], options.frontendDir, webEnv, options.logDir, "web"),
    );
    // The API answers 401 without a token once it is up; the JWKS proves Better Auth and its database work.
    await Promise.all([
      waitForHttp(`${apiUrl}/api/me`, 401, running[0]!),
      waitForHttp(`${webUrl}/api/auth/jwks`, 200, running[1]!),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { webUrl, apiUrl, stop };
}

export function nextBin(frontendDir: string): string {
  return path.join(frontendDir, "node_modules", ".bin", "next");
}

function tsxBin(frontendDir: string): string {
  return path.join(frontendDir, "node_modules", ".bin", "tsx");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function startLogged(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  logDir: string,
  name: string,
): ChildProcess {
  const log = createWriteStream(path.join(logDir, `${name}.log`));
  // Its own process group, so stopping it also stops whatever it started.
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

async function runToEnd(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  logDir: string,
  name: string,
): Promise<void> {
  const child = startLogged(command, args, cwd, env, logDir, name);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`${name} failed (exit ${code}); see ${path.join(logDir, `${name}.log`)}`);
}

async function waitForHttp(url: string, expectedStatus: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The server for ${url} exited with ${child.exitCode}.`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === expectedStatus) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} was not ready within ${READY_TIMEOUT_MS / 1000} s.`);
}

/** SIGTERM to the child's process group, SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopProcess(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  signalGroup("SIGTERM");
  const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
