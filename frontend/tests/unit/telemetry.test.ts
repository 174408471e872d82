import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

const repoRoot = path.resolve(import.meta.dirname, "..", "..", "..");

test("every make target (run, web, e2e, test-web) runs Next.js with telemetry off", () => {
  // A throw-away target that prints what the Makefile hands its recipes.
  const env = { ...process.env };
  delete env.NEXT_TELEMETRY_DISABLED;
  const seen = execFileSync(
    "make",
    ["-s", "-C", repoRoot, "--eval", 'telemetry-probe: ; @echo "$$NEXT_TELEMETRY_DISABLED"', "telemetry-probe"],
    { env, encoding: "utf8" },
  );
  assert.equal(seen.trim(), "1");
});
