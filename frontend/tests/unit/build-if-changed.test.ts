import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { ensureBuilt } from "../../scripts/build-if-changed";

// A small app laid out as frontend/ is, with a stand-in for `next build` that writes a new
// BUILD_ID as the real one does and counts how often it ran.
let dir: string;
let builds: number;
const build = async () => {
  builds += 1;
  mkdirSync(path.join(dir, ".next"), { recursive: true });
  writeFileSync(path.join(dir, ".next", "BUILD_ID"), randomUUID());
  return 0;
};
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
};
const run = (env: Record<string, string> = {}) => ensureBuilt({ frontendDir: dir, env, build, log: () => undefined });

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "build-if-changed-"));
  builds = 0;
  write("package.json", '{"name":"app"}');
  write("package-lock.json", "{}");
  write("next.config.ts", "export default {};");
  write("app/page.tsx", "export default function Page() { return null; }");
  write("lib/api.ts", "export const api = 1;");
  write("e2e/journey.e2e.ts", "// a scenario");
  write("tests/unit/api.test.ts", "// a test");
  write("README.md", "# app");
  write(".env.local", "BETTER_AUTH_SECRET=one\nNEXT_PUBLIC_API_DEBUG=0\n");
  write("node_modules/better-auth-revocation-feed/index.js", "export const feed = 1;");
  write("node_modules/.package-lock.json", "{}");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("an unchanged app is built once, then reused", async () => {
  assert.equal(await run(), "built");
  assert.equal(await run(), "cached");
  assert.equal(await run(), "cached");
  assert.equal(builds, 1);
});

for (const [what, change] of [
  ["a page", () => appendFileSync(path.join(dir, "app/page.tsx"), "\n// changed")],
  ["a new source file", () => write("components/button.tsx", "export const Button = null;")],
  ["a library file", () => write("lib/api.ts", "export const api = 2;")],
  ["next.config", () => write("next.config.ts", "export default { poweredByHeader: false };")],
  ["package-lock.json", () => write("package-lock.json", '{"lockfileVersion":3}')],
  ["the installed plugin", () => write("node_modules/better-auth-revocation-feed/index.js", "export const feed = 2;")],
  ["the installed packages", () => write("node_modules/.package-lock.json", '{"packages":{}}')],
  ["a NEXT_PUBLIC_ value in .env.local", () => write(".env.local", "BETTER_AUTH_SECRET=one\nNEXT_PUBLIC_API_DEBUG=1\n")],
  ["a NEXT_PUBLIC_ value in .env.production", () => write(".env.production", "NEXT_PUBLIC_SITE=x\n")],
] as const) {
  test(`a change to ${what} is built again`, async () => {
    await run();
    change();
    assert.equal(await run(), "built");
    assert.equal(await run(), "cached");
    assert.equal(builds, 2);
  });
}

test("a NEXT_PUBLIC_ value from the environment is built into the app, and wins over the files", async () => {
  await run();
  assert.equal(await run({ NEXT_PUBLIC_API_DEBUG: "1" }), "built");
  assert.equal(await run({ NEXT_PUBLIC_API_DEBUG: "1" }), "cached");
  // The same value as .env.local gives: the same build as without the variable.
  assert.equal(await run({ NEXT_PUBLIC_API_DEBUG: "0" }), "built");
  assert.equal(await run(), "cached");
  assert.equal(builds, 3);
});

for (const [what, change] of [
  ["an e2e scenario", () => write("e2e/journey.e2e.ts", "// another scenario")],
  ["a unit test", () => write("tests/unit/api.test.ts", "// another test")],
  ["the README", () => write("README.md", "# the app")],
  ["a secret in .env.local", () => write(".env.local", "BETTER_AUTH_SECRET=two\nNEXT_PUBLIC_API_DEBUG=0\n")],
  ["Better Auth's local database", () => write("auth.sqlite3", "rows")],
  ["TypeScript's incremental state", () => write("tsconfig.tsbuildinfo", "{}")],
  ["a next dev build", () => write(".next/dev/BUILD_ID", "development")],
] as const) {
  test(`a change to ${what} is not built again`, async () => {
    await run();
    change();
    assert.equal(await run(), "cached");
    assert.equal(builds, 1);
  });
}

test("a build made since by something else (npm run e2e) is replaced by one from the stamped sources", async () => {
  await run();
  write(".next/BUILD_ID", "made-by-another-build");
  assert.equal(await run(), "built");
  assert.equal(builds, 2);
});

test("a removed build is built again", async () => {
  await run();
  rmSync(path.join(dir, ".next"), { recursive: true });
  assert.equal(await run(), "built");
});

test("a failed build fails the run and is tried again next time", async () => {
  await run();
  appendFileSync(path.join(dir, "app/page.tsx"), "\n// broken");
  await assert.rejects(
    ensureBuilt({ frontendDir: dir, env: {}, build: async () => 1, log: () => undefined }),
    /next build failed \(exit 1\)/,
  );
  // The old build's stamp is gone, so even the old sources are no longer taken as built.
  assert.equal(await run(), "built");
  assert.equal(builds, 2);
});
