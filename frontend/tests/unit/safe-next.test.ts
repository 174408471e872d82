import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authAliasTarget, safeNextPath, signInUrl } from "@/lib/safe-next";

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

describe("the /login and /signup aliases", () => {
  test("lead to the real pages, keeping a same-site ?next=", async () => {
    const { GET: login } = await import("@/app/login/route");
    const { GET: signup } = await import("@/app/signup/route");
    const location = (handler: (request: Request) => Response, path: string) => {
      const response = handler(new Request(`http://app.example${path}`));
      assert.equal(response.status, 307);
      return response.headers.get("Location");
    };
    assert.equal(location(login, "/login"), "/sign-in");
    assert.equal(location(login, "/login?next=/tasks%3Ffilter%3Ddone"), "/sign-in?next=/tasks%3Ffilter%3Ddone");
    assert.equal(location(signup, "/signup?next=/tasks"), "/sign-up?next=/tasks");
  });

  test("replace an off-site ?next= with the default", () => {
    assert.equal(authAliasTarget("/sign-in", "//evil.example"), "/sign-in?next=/tasks");
    assert.equal(authAliasTarget("/sign-up", "https://evil.example/"), "/sign-up?next=/tasks");
  });
});
