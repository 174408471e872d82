import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { DEFAULT_RATES } from "@/lib/auth-limits";

// .env.example is where people look up a default: it must show the ones the code applies.
const example = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "../../.env.example"), "utf8");

test(".env.example shows every rate limit with the code's default", () => {
  const shown = Object.fromEntries([...example.matchAll(/^#\s*(RATE_LIMIT_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  assert.deepEqual(shown, { ...DEFAULT_RATES });
});
