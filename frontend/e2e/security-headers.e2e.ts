/**
 * The web app's own security headers (lib/security-headers.ts, sent by proxy.ts)
 * on every kind of answer of the production server, and what they make the
 * browser do: Next.js's scripts run, an injected one does not, no other site
 * frames the app, and a form on another site neither signs in nor signs out.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { addTask, newPerson, signUp, url } from "./support/app";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { API_URL, WEB_URL } from "./support/env";
import { expectFailures, takeProblems } from "./support/page-problems";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

/** Every answer's headers but the policy, whose nonce changes. */
const FIXED_HEADERS: Record<string, string> = {
  "referrer-policy": "strict-origin-when-cross-origin",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "permissions-policy":
    "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), " +
    "geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=()",
};

/** The production policy over plain HTTP, with NONCE for the request's nonce. */
const POLICY =
  "default-src 'self'; script-src 'self' 'nonce-NONCE'; style-src 'self' 'nonce-NONCE'; " +
  `img-src 'self' data:; font-src 'self'; connect-src 'self' ${API_URL} ${WEB_URL}; object-src 'none'; ` +
  "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/** Checks every security header of an answer and gives back its nonce. */
function assertSecurityHeaders(response: Response, what: string): string {
  for (const [name, value] of Object.entries(FIXED_HEADERS)) assert.equal(response.headers.get(name), value, `${what}: ${name}`);
  assert.equal(response.headers.get("strict-transport-security"), null, `${what}: HSTS over plain HTTP`);
  const policy = response.headers.get("content-security-policy") ?? "";
  const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(policy)?.[1] ?? "";
  assert.ok(nonce.length >= 22, `${what}: no nonce in ${JSON.stringify(policy)}`);
  assert.equal(policy.replaceAll(nonce, "NONCE"), POLICY, what);
  return nonce;
}

const get = (path: string, init: RequestInit = {}) => fetch(`${WEB_URL}${path}`, { redirect: "manual", ...init });

test("every kind of answer carries the headers: pages, redirects, Better Auth, static files, icons, errors", async () => {
  const signInPage = await get("/sign-in");
  const html = await signInPage.text();
  const script = /<script[^>]+src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
  const stylesheet = /<link[^>]+href="(\/_next\/static\/[^"]+\.css)"/.exec(html)?.[1];
  assert.ok(script && stylesheet, "the sign-in page names its script and stylesheet");

  const answers: [string, Promise<Response>, number][] = [
    ["the sign-in page", Promise.resolve(signInPage), 200],
    ["the sign-up page", get("/sign-up"), 200],
    ["/ (redirected to the task list)", get("/"), 307],
    ["the task list without a session (redirected by proxy.ts)", get("/tasks"), 307],
    ["/login (a route handler's redirect)", get("/login"), 307],
    ["Better Auth's session", get("/api/auth/get-session"), 200],
    ["Better Auth's key set", get("/api/auth/jwks"), 200],
    ["/.well-known/jwks.json", get("/.well-known/jwks.json"), 200],
    [
      "a refused sign-in",
      get("/api/auth/sign-in/email", {
        method: "POST",
        headers: { "content-type": "application/json", origin: WEB_URL },
        body: JSON.stringify({ email: "nobody@example.com", password: "not the password" }),
      }),
      401,
    ],
    ["a script", get(script), 200],
    ["a stylesheet", get(stylesheet), 200],
    ["/favicon.ico", get("/favicon.ico"), 200],
    ["/icon.svg", get("/icon.svg"), 200],
    ["a page that does not exist", get("/no-such-page"), 404],
    ["a static file that does not exist", get("/_next/static/chunks/no-such-file.js"), 404],
    ["a method Better Auth does not take", get("/api/auth/sign-out", { method: "DELETE" }), 405],
    ["Next.js's own trailing-slash redirect, before proxy.ts", get("/sign-in/"), 308],
    ["the same for the task list", get("/tasks/"), 308],
  ];
  const nonces = new Set<string>();
  for (const [what, answer, status] of answers) {
    const response = await answer;
    assert.equal(response.status, status, what);
    nonces.add(assertSecurityHeaders(response, what));
  }
  assert.equal(nonces.size, answers.length, "a fresh nonce for every answer");
});

test("every script of a page carries the nonce of the page's own policy, and only that one", async () => {
  for (const path of ["/sign-in", "/sign-up", "/no-such-page"]) {
    const response = await get(path);
    const nonce = assertSecurityHeaders(response, path);
    const tags = (await response.text()).match(/<script\b[^>]*>/g) ?? [];
    assert.ok(tags.length > 3, `${path} has Next.js's scripts`);
    for (const tag of tags) assert.ok(tag.includes(` nonce="${nonce}"`), `${path}: ${tag} without the nonce`);
  }
});

/** Records every policy violation the page reports, from before its first script on. */
async function recordViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI}`));
  });
}

const violations = (page: Page) => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

test("the whole journey runs under the policy without a single violation", async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await recordViolations(context);
  const page = await context.newPage();
  // Chromium only warns about a header it cannot use (an unknown Permissions-Policy feature, say).
  const headerWarnings: string[] = [];
  page.on("console", (message) => {
    if (/Permissions-Policy|Content Security Policy|Referrer Policy/i.test(message.text())) headerWarnings.push(message.text());
  });
  await page.goto(url("/sign-in"));
  assert.deepEqual(await violations(page), []);
  await signUp(page, newPerson("Petra Policy"));
  await page.getByTestId("empty-state").waitFor();
  await addTask(page, "Write the policy", "and keep it strict");
  await page.getByRole("button", { name: /^Edit/ }).first().click();
  await page.keyboard.press("Escape");
  await page.reload();
  await page.getByTestId("task-item").getByText("Write the policy").waitFor();
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(headerWarnings, []);
  // The page watch (support/page-problems.ts) fails the test on any console error, so also on
  // the one Chromium writes for each violation.
});

test("a script injected into the page does not run: in its HTML, added to the DOM, or an event handler", async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await recordViolations(context);
  // As a stored or reflected script would come, inside the page's own HTML and under its own policy;
  // and one of the page's own scripts (it has the nonce) tricked into adding script to the DOM.
  const domSink = `setTimeout(() => {
    const script = document.createElement("script");
    script.textContent = "window.inlineRan = true";
    document.body.append(script);
    const holder = document.createElement("div");
    holder.innerHTML = '<img src="/icon.svg" alt="" onload="window.handlerRan = true">';
    document.body.append(holder);
    const link = document.createElement("a");
    link.href = "javascript:window.linkRan = true";
    document.body.append(link);
    link.click();
  })`;
  await context.route(url("/sign-in"), async (route) => {
    const response = await route.fetch();
    const html = await response.text();
    const nonce = /'nonce-([^']+)'/.exec(response.headers()["content-security-policy"] ?? "")?.[1];
    assert.ok(nonce && html.includes("<body>"));
    const injected =
      '<script>window.parsedRan = true</script><img src="/icon.svg" alt="" onload="window.parsedHandlerRan = true">' +
      `<script nonce="${nonce}">window.trustedRan = true; ${domSink}</script>`;
    await route.fulfill({ response, body: html.replace("<body>", `<body>${injected}`) });
  });
  const page = await context.newPage();
  await page.goto(url("/sign-in"));
  await page.waitForTimeout(1_000);
  const flags = ["trustedRan", "parsedRan", "parsedHandlerRan", "inlineRan", "handlerRan", "linkRan"];
  const ran = await page.evaluate((names) => names.filter((flag) => (window as unknown as Record<string, boolean>)[flag]), flags);
  // Only the script with the nonce; and Next.js's own scripts (the form works).
  assert.deepEqual(ran, ["trustedRan"]);
  await page.locator("#email").fill("someone@example.com");
  assert.ok(await page.evaluate(() => "__next_f" in window));
  const seen = (await violations(page)).sort();
  assert.deepEqual(seen, [
    "script-src-attr inline",
    "script-src-attr inline",
    "script-src-elem inline",
    "script-src-elem inline",
    "script-src-elem inline",
  ]);
  // The page watch saw them too, as it sees any violation in the other scenarios.
  const problems = takeProblems();
  assert.equal(problems.filter((problem) => /console error: .*Content Security Policy/.test(problem)).length, 5, problems.join("\n"));
});

test("no other site can frame the app", async () => {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await page.setContent(`<iframe src="${WEB_URL}/sign-in" title="the app"></iframe>`);
  await page.waitForTimeout(1_000);
  const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
  assert.ok(frame, "the frame is there");
  assert.equal(await frame.locator("#email").count(), 0, "the sign-in form shows inside another site's frame");
  assert.match(takeProblems().join("\n"), /frame-ancestors 'none'/);
});

test("the session cookie is HttpOnly and SameSite=Lax, not Secure over plain HTTP, and scripts cannot read it", async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await signUp(page, newPerson("Cora Cookie"));
  const cookie = (await context.cookies(WEB_URL)).find((candidate) => candidate.name === "better-auth.session_token");
  assert.ok(cookie, "a session cookie");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "Lax");
  assert.equal(cookie.secure, false);
  assert.equal(cookie.path, "/");
  assert.doesNotMatch(await page.evaluate(() => document.cookie), /session_token/);
});

test("a form on another site neither signs the person out nor signs them in to someone else's account", async () => {
  // The attacker's own account, whose session they would like the victim's browser to hold.
  const attacker = newPerson("Mallory Forms");
  const attackerContext = await browser.newContext({ viewport: VIEWPORT });
  await signUp(await attackerContext.newPage(), attacker);

  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const victim = newPerson("Victor Victim");
  await signUp(page, victim);
  const sessionCookie = async () =>
    (await context.cookies(WEB_URL)).find((cookie) => cookie.name === "better-auth.session_token")?.value;
  const before = await sessionCookie();

  expectFailures(context, { url: "/api/auth/sign-out", status: 415 }, { url: "/api/auth/sign-in/email", status: 403 });
  const forms: [string, string, Record<string, string>][] = [
    ["/api/auth/sign-out", "text/plain", { '{"a":"': '"}' }],
    ["/api/auth/sign-in/email", "application/x-www-form-urlencoded", { email: attacker.email, password: attacker.password }],
  ];
  const statuses: number[] = [];
  for (const [action, enctype, fields] of forms) {
    const inputs = Object.entries(fields)
      .map(([name, value]) => `<input type="hidden" name='${name}' value='${value}'>`)
      .join("");
    const foreign = await foreignPage(context, `<form method="post" action="${WEB_URL}${action}" enctype="${enctype}">${inputs}</form>`);
    const [response] = await Promise.all([
      foreign.waitForResponse((candidate) => candidate.url() === `${WEB_URL}${action}`),
      foreign.evaluate(() => document.forms[0]!.submit()),
    ]);
    statuses.push(response.status());
    await foreign.close();
  }
  assert.deepEqual(statuses, [415, 403]);
  assert.equal(await sessionCookie(), before, "the session cookie changed");

  // Still the victim, still signed in.
  await page.goto(url("/tasks"));
  await page.getByText(victim.email).waitFor();
});

const FOREIGN_ORIGIN = "http://elsewhere.test";

/** A page of another site (served by the browser's own interception: no network), holding `body`. */
async function foreignPage(context: BrowserContext, body: string): Promise<Page> {
  await context.route(`${FOREIGN_ORIGIN}/**`, (route) =>
    route.fulfill({ contentType: "text/html", body: `<!doctype html><title>Elsewhere</title>${body}` }),
  );
  const page = await context.newPage();
  await page.goto(`${FOREIGN_ORIGIN}/`);
  return page;
}
