import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { safeNextPath, signInUrl } from "@/lib/safe-next";

describe("safeNextPath", () => {
  const kept: [string, string][] = [
    ["/tasks", "/tasks"],
    ["/tasks?filter=done#top", "/tasks?filter=done#top"],
    ["/tasks/../tasks", "/tasks"],
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"], // an encoded slash stays a path on this site
  ];
  for (const [raw, expected] of kept) {
    test(`keeps the same-site path ${raw}`, () => assert.equal(safeNextPath(raw), expected));
  }

  const refused = [
    undefined,
    "",
    "tasks",
    "//evil.example",
    "//evil.example/tasks",
    "https://evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "/sign-in?next=/tasks",
    "/sign-up",
  ];
  for (const raw of refused) {
    test(`falls back for ${JSON.stringify(raw)}`, () => assert.equal(safeNextPath(raw), "/tasks"));
  }
});

describe("signInUrl", () => {
  test("keeps slashes readable and adds the reason", () => {
    assert.equal(signInUrl("/tasks"), "/sign-in?next=/tasks");
    assert.equal(signInUrl("/tasks?a=1&b=2", "expired"), "/sign-in?next=/tasks%3Fa%3D1%26b%3D2&reason=expired");
  });

  test("never carries an off-site target", () => {
    assert.equal(signInUrl("//evil.example"), "/sign-in?next=/tasks");
  });
});
