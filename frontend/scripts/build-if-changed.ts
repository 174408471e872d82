/**
 * `npm run build:cached` (`make run`): `next build` only when something the build depends on changed.
 *
 * A build takes a minute or more on a small machine, and `make run` starts the production
 * build every time, so an unchanged app must not be built again. The stamp
 * (`.next/source-stamp.json`) holds a fingerprint of everything the build reads, and the
 * BUILD_ID of the build made from it; the build is reused only while both still match, so a
 * build made since by anything else (`npm run build`, `npm run e2e`) is not mistaken for ours.
 *
 * The fingerprint is a SHA-256 over: every file of the app (its sources, package files,
 * next.config, tsconfig, public files), leaving out what the build never reads (tests, e2e
 * scenarios, docs, local databases, build output); the installed copy of the revocation feed
 * plugin, and npm's record of the installed packages; the `NEXT_PUBLIC_*` values from the
 * environment and the .env files `next build` loads, since Next.js inlines those into the bundle
 * (secrets in the same files are not read); and the Node.js version.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";

/** The environment, or a stand-in for it in tests. */
type Environment = Readonly<Record<string, string | undefined>>;

export const STAMP_FILE = path.join(".next", "source-stamp.json");
const BUILD_ID_FILE = path.join(".next", "BUILD_ID");

/** Top-level entries of the app the build never reads; everything else counts. */
const NOT_BUILD_INPUTS = new Set([
  "node_modules",
  ".next",
  "out",
  "test-artifacts",
  "tests",
  "e2e",
  "README.md",
  "next-env.d.ts",
  ".gitignore",
]);
/** Local files that are no source: databases, TypeScript's incremental state, editor leftovers. */
const NOT_BUILD_INPUT_PATTERN = /(^|\/)(auth\.sqlite3.*|.*\.tsbuildinfo|\.DS_Store)$/;
/** The .env files `next build` loads (production), lowest precedence first. */
const BUILD_ENV_FILES = [".env", ".env.production", ".env.local", ".env.production.local"];
/** Installed packages whose contents count beyond their version: the local plugin keeps its version number across changes. */
const INSTALLED_INPUTS = [path.join("node_modules", "better-auth-revocation-feed"), path.join("node_modules", ".package-lock.json")];

function filesUnder(root: string, relative: string, skipTop: boolean): string[] {
  const full = path.join(root, relative);
  if (!existsSync(full)) return [];
  const entries = readdirSync(full, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const child = relative ? path.join(relative, entry.name) : entry.name;
    if (skipTop && relative === "" && (NOT_BUILD_INPUTS.has(entry.name) || entry.name.startsWith(".env"))) continue;
    if (entry.name === "node_modules" || NOT_BUILD_INPUT_PATTERN.test(child)) continue;
    if (entry.isDirectory()) files.push(...filesUnder(root, child, skipTop));
    else if (entry.isFile()) files.push(child);
  }
  return files;
}

/** The `NEXT_PUBLIC_*` values `next build` would see: the environment wins over the files, as in Next.js. */
export function publicBuildEnv(frontendDir: string, env: Environment): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const file of BUILD_ENV_FILES) {
    const full = path.join(frontendDir, file);
    if (existsSync(full)) Object.assign(merged, parseEnv(readFileSync(full, "utf8")));
  }
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return Object.fromEntries(
    Object.entries(merged)
      .filter(([name]) => name.startsWith("NEXT_PUBLIC_"))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** The fingerprint of everything the build depends on (see the file's comment). */
export function buildFingerprint(frontendDir: string, env: Environment = process.env): string {
  const hash = createHash("sha256");
  const add = (label: string, content: string | Buffer) => {
    hash.update(`${label}\0${content.length}\0`);
    hash.update(content);
  };
  const app = filesUnder(frontendDir, "", true);
  const installed = INSTALLED_INPUTS.flatMap((entry) =>
    existsSync(path.join(frontendDir, entry)) && !entry.endsWith(".json") ? filesUnder(frontendDir, entry, false) : [entry],
  );
  for (const file of [...app, ...installed]) {
    const full = path.join(frontendDir, file);
    add(`file:${file.split(path.sep).join("/")}`, existsSync(full) ? readFileSync(full) : "(missing)");
  }
  add("env", JSON.stringify(publicBuildEnv(frontendDir, env)));
  add("node", process.version);
  return hash.digest("hex");
}

interface Stamp {
  fingerprint: string;
  buildId: string;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Whether the build in `.next` was made from sources with this fingerprint. */
export function isUpToDate(frontendDir: string, fingerprint: string): boolean {
  const buildId = readText(path.join(frontendDir, BUILD_ID_FILE));
  let stamp: Partial<Stamp> | undefined;
  try {
    stamp = JSON.parse(readText(path.join(frontendDir, STAMP_FILE)) ?? "null") ?? undefined;
  } catch {
    stamp = undefined;
  }
  return Boolean(buildId && stamp && stamp.fingerprint === fingerprint && stamp.buildId === buildId);
}

export interface EnsureBuiltOptions {
  frontendDir: string;
  env?: Environment;
  /** Runs the build; resolves to its exit status. */
  build: () => Promise<number>;
  log?: (line: string) => void;
}

/** Builds when the stamp does not match the sources; "cached" when it does. A failed build throws and leaves no stamp. */
export async function ensureBuilt(options: EnsureBuiltOptions): Promise<"built" | "cached"> {
  const { frontendDir, env = process.env, log = console.log } = options;
  const fingerprint = buildFingerprint(frontendDir, env);
  if (isUpToDate(frontendDir, fingerprint)) {
    log("The production build is up to date with the sources; not building.");
    return "cached";
  }
  const stampPath = path.join(frontendDir, STAMP_FILE);
  rmSync(stampPath, { force: true });
  log("Building the web app (next build): the sources changed since the last build, or there is none.");
  const status = await options.build();
  if (status !== 0) throw new Error(`next build failed (exit ${status})`);
  const buildId = readText(path.join(frontendDir, BUILD_ID_FILE));
  if (!buildId) throw new Error(`next build left no ${BUILD_ID_FILE}`);
  // Written whole, then renamed: a stamp cut short by Ctrl-C must not pass for a match.
  mkdirSync(path.dirname(stampPath), { recursive: true });
  writeFileSync(`${stampPath}.tmp`, JSON.stringify({ fingerprint, buildId } satisfies Stamp));
  renameSync(`${stampPath}.tmp`, stampPath);
  return "built";
}

/** `next build` in the app's directory, its output shown; resolves to its exit status. */
export function nextBuild(frontendDir: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(path.join(frontendDir, "node_modules", ".bin", "next"), ["build"], {
      cwd: frontendDir,
      stdio: "inherit",
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  ensureBuilt({ frontendDir, build: () => nextBuild(frontendDir) }).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
