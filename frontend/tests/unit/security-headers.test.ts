/**
 * proxy.ts puts the security headers on every answer it lets through or sends
 * itself, and hands Next.js a Content-Security-Policy with a fresh nonce.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { NextRequest } from "next/server";
import { config, proxy } from "@/proxy";

const SITE = "http://127.0.0.1:3000";
const API = "http://127.0.0.1:8000";
const saved = { ...process.env };

beforeEach(() => {
  process.env.BETTER_AUTH_URL = SITE;
  process.env.NEXT_PUBLIC_API_BASE_URL = API;
});
afterEach(() => {
  for (const name of ["BETTER_AUTH_URL", "NEXT_PUBLIC_API_BASE_URL"]) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

function request(pathname: string, headers: Record<string, string> = {}) {
  return new NextRequest(new URL(pathname, process.env.BETTER_AUTH_URL), { headers });
}

/** The directives of a policy, by name. */
function directives(policy: string | null): Map<string, string[]> {
  assert.ok(policy, "no Content-Security-Policy");
  return new Map(
    policy
      .split(";")
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

/** The request headers proxy.ts passes on to Next.js (NextResponse.next({ request: { headers } })). */
function forwardedRequestHeader(response: Response, name: string): string | null {
  return response.headers.get(`x-middleware-request-${name}`);
}

describe("the proxy's matcher", () => {
  test("runs on every path: pages, Better Auth, static files, icons, unknown paths", () => {
    assert.deepEqual(config.matcher, ["/:path*"]);
  });
});

describe("security headers", () => {
  const paths = ["/sign-in", "/sign-up", "/api/auth/get-session", "/_next/static/chunks/app.js", "/favicon.ico", "/no-such-page"];
  for (const pathname of paths) {
    test(`on ${pathname}`, () => {
      const response = proxy(request(pathname));
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      assert.equal(response.headers.get("x-frame-options"), "DENY");
      assert.equal(response.headers.get("referrer-policy"), "strict-origin-when-cross-origin");
      assert.equal(response.headers.get("cross-origin-opener-policy"), "same-origin");
      const permissions = response.headers.get("permissions-policy") ?? "";
      for (const feature of ["camera", "microphone", "geolocation", "payment", "usb"]) {
        assert.ok(permissions.split(", ").includes(`${feature}=()`), `${feature} not off in ${permissions}`);
      }
      assert.equal(response.headers.get("strict-transport-security"), null, "HSTS over plain HTTP");
      assert.ok(response.headers.get("content-security-policy"));
    });
  }

  test("on the redirect of a protected page without a session cookie", () => {
    const response = proxy(request("/tasks?status=pending"));
    assert.equal(response.status, 307);
    const location = new URL(response.headers.get("location") ?? "");
    assert.equal(`${location.pathname}${location.search}`, "/sign-in?next=/tasks%3Fstatus%3Dpending");
    assert.equal(response.headers.get("x-frame-options"), "DENY");
    assert.ok(directives(response.headers.get("content-security-policy")).has("frame-ancestors"));
  });

  test("a protected page with a session cookie goes on to Next.js, with the headers", () => {
    const response = proxy(request("/tasks", { cookie: "better-auth.session_token=abc.def" }));
    assert.equal(response.headers.get("x-middleware-next"), "1");
    assert.equal(response.headers.get("x-frame-options"), "DENY");
  });

  test("HSTS for a year when the public URL is https, and the policy upgrades http:// subresources", () => {
    process.env.BETTER_AUTH_URL = "https://tasks.example.com";
    const response = proxy(request("/sign-in"));
    assert.equal(response.headers.get("strict-transport-security"), "max-age=31536000");
    assert.ok(directives(response.headers.get("content-security-policy")).has("upgrade-insecure-requests"));
  });
});

describe("the Content-Security-Policy in production", () => {
  test("scripts only by nonce, no 'unsafe-inline' or 'unsafe-eval' anywhere", () => {
    const csp = proxy(request("/sign-in")).headers.get("content-security-policy");
    const policy = directives(csp);
    const scripts = policy.get("script-src") ?? [];
    const nonce = scripts.find((value) => value.startsWith("'nonce-"));
    assert.match(nonce ?? "", /^'nonce-[A-Za-z0-9+/]{22}==?'$/);
    assert.deepEqual(scripts, ["'self'", nonce]);
    assert.doesNotMatch(csp ?? "", /unsafe-inline|unsafe-eval|\*/);
    assert.deepEqual(policy.get("object-src"), ["'none'"]);
    assert.deepEqual(policy.get("base-uri"), ["'self'"]);
    assert.deepEqual(policy.get("form-action"), ["'self'"]);
    assert.deepEqual(policy.get("frame-ancestors"), ["'none'"]);
    assert.deepEqual(policy.get("default-src"), ["'self'"]);
    assert.ok(!policy.has("upgrade-insecure-requests"), "upgrade-insecure-requests over plain HTTP");
  });

  test("connect-src: this site (Better Auth) and the task API's origin, read at request time", () => {
    process.env.NEXT_PUBLIC_API_BASE_URL = "https://api.example.com/v1/";
    const policy = directives(proxy(request("/sign-in")).headers.get("content-security-policy"));
    assert.deepEqual(policy.get("connect-src"), ["'self'", "https://api.example.com", SITE]);
  });

  test("a fresh nonce for every request, handed to Next.js in the request's own policy", () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const response = proxy(request("/sign-in"));
      const sent = response.headers.get("content-security-policy");
      assert.equal(forwardedRequestHeader(response, "content-security-policy"), sent);
      nonces.add(/'nonce-([^']+)'/.exec(sent ?? "")?.[1] ?? "");
    }
    assert.equal(nonces.size, 20);
  });

  test("a policy the client sent is replaced, so it cannot choose the nonce", () => {
    const chosen = "script-src 'nonce-chosen-by-the-client'";
    const response = proxy(request("/sign-in", { "content-security-policy": chosen }));
    const passedOn = forwardedRequestHeader(response, "content-security-policy");
    assert.ok(passedOn && !passedOn.includes("chosen-by-the-client"));
  });
});
