/**
 * The addresses the plans name lead somewhere (`/login`, `/signup`,
 * `/.well-known/jwks.json`), the app has its icon, and nothing phones home.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { newPerson, pathOf, url } from "./support/app";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { WEB_URL } from "./support/env";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

test("/login and /signup lead to the real pages, keeping a same-site ?next= only", async () => {
  const cases: [string, string][] = [
    ["/login", "/sign-in"],
    ["/login?next=/tasks%3Ffilter%3Dpending", "/sign-in?next=/tasks%3Ffilter%3Dpending"],
    ["/login?next=//evil.example/steal", "/sign-in?next=/tasks"],
    ["/signup", "/sign-up"],
    ["/signup?next=/tasks", "/sign-up?next=/tasks"],
    ["/signup?next=https://evil.example/", "/sign-up?next=/tasks"],
  ];
  for (const [from, to] of cases) {
    const response = await fetch(`${WEB_URL}${from}`, { redirect: "manual" });
    assert.equal(response.status, 307, from);
    assert.equal(response.headers.get("location"), to, from);
  }

  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await page.goto(url("/signup?next=/tasks"));
  assert.equal(pathOf(page), "/sign-up?next=/tasks");
  const person = newPerson("Paula Plans");
  await page.locator("#name").fill(person.name);
  await page.locator("#email").fill(person.email);
  await page.locator("#password").fill(person.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((current) => current.pathname === "/tasks");
});

test("/.well-known/jwks.json serves the same key set as /api/auth/jwks", async () => {
  const [wellKnown, betterAuth] = await Promise.all(
    ["/.well-known/jwks.json", "/api/auth/jwks"].map((path) => fetch(`${WEB_URL}${path}`)),
  );
  assert.equal(wellKnown!.status, 200);
  assert.match(wellKnown!.headers.get("content-type") ?? "", /^application\/json/);
  const keys = (await wellKnown!.json()) as { keys: { kid: string; kty: string; crv: string }[] };
  assert.deepEqual(keys, await betterAuth!.json());
  assert.ok(keys.keys.length > 0 && keys.keys.every((key) => key.kty === "OKP" && key.crv === "Ed25519"));
});

test("every page names the app's icon, and the browser finds one everywhere", async () => {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  for (const path of ["/sign-in", "/sign-up"]) {
    await page.goto(url(path));
    const links = await page.locator('link[rel="icon"]').evaluateAll((found) =>
      found.map((link) => ({ href: link.getAttribute("href") ?? "", type: link.getAttribute("type") })),
    );
    assert.deepEqual(links.map((link) => link.type).sort(), ["image/svg+xml", "image/x-icon"], `${path} links both icons`);
    for (const link of links) {
      const icon = await fetch(new URL(link.href, WEB_URL));
      assert.equal(icon.status, 200, link.href);
      assert.equal(icon.headers.get("content-type"), link.type, link.href);
    }
  }
  // A page without a link (the key set, opened in the browser) makes Chromium ask for /favicon.ico;
  // the page watch (support/page-problems.ts) fails this test if that is a 404.
  await page.goto(url("/.well-known/jwks.json"));
  await page.waitForTimeout(1_000);
  const favicon = await fetch(`${WEB_URL}/favicon.ico`);
  assert.equal(favicon.status, 200);
  assert.equal(favicon.headers.get("content-type"), "image/x-icon");
});

test("the build, the servers and the scenarios run with Next.js telemetry off", () => {
  // e2e/run.ts sets it before starting anything; every process of the run inherits it.
  assert.equal(process.env.NEXT_TELEMETRY_DISABLED, "1");
});
