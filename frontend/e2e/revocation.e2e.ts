/**
 * Signing out reaches the API: the real API, polling this app's revocation
 * feed, refuses a token of a signed-out session, or of a deleted account,
 * within 2 s, long before the token would expire, while the same person's
 * other session goes on working. In the browser too: the token the page itself
 * sent is refused after "Sign out", and after "Sign out other sessions" in a
 * second browser, where the first one's page then ends at sign-in.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  addTask,
  newPerson,
  newTaskTitle,
  pathOf,
  screenshot,
  signIn,
  signUp as signUpInBrowser,
  url,
} from "./support/app";
import { assertAccessible } from "./support/axe";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { API_URL, WEB_URL } from "./support/env";
import { expectFailures } from "./support/page-problems";

const PASSWORD = "correct horse battery staple";
/** The promise; the feed is polled twice a second, and a test token lives 8 s. */
const REFUSED_WITHIN_MS = 2_000;

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

async function auth(path: string, init: { body?: object; cookie: string }): Promise<Response> {
  return fetch(`${WEB_URL}/api/auth${path}`, {
    method: init.body ? "POST" : "GET",
    headers: { "content-type": "application/json", origin: WEB_URL, cookie: init.cookie },
    body: init.body && JSON.stringify(init.body),
  });
}

function cookieOf(response: Response): string {
  assert.equal(response.status, 200);
  return response.headers
    .getSetCookie()
    .map((header) => header.split(";")[0] ?? "")
    .filter((pair) => pair.includes("session_token="))
    .join("; ");
}

async function tokenFor(cookie: string): Promise<{ token: string; exp: number }> {
  const { token } = (await (await auth("/token", { cookie })).json()) as { token: string };
  const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { exp: number };
  return { token, exp: claims.exp * 1000 };
}

const me = (token: string) => fetch(`${API_URL}/api/me`, { headers: { authorization: `Bearer ${token}` } });

/** Milliseconds from `since` until the API refuses `token` because its session ended; fails past REFUSED_WITHIN_MS. */
async function refusal(token: string, since = Date.now()): Promise<number> {
  for (;;) {
    const answer = await me(token);
    if (answer.status === 401) {
      const body = (await answer.json()) as { error_type: string };
      assert.equal(body.error_type, "authentication_error");
      // Not merely expired: the 8 s token is refused because its session ended.
      assert.match(answer.headers.get("www-authenticate") ?? "", /error_description="The session has ended"/);
      const elapsed = Date.now() - since;
      assert.ok(elapsed <= REFUSED_WITHIN_MS, `refused only after ${elapsed} ms`);
      return elapsed;
    }
    assert.equal(answer.status, 200);
    assert.ok(Date.now() - since < REFUSED_WITHIN_MS, `still accepted after ${REFUSED_WITHIN_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The JWT this page last sent to the API, read from its own requests. */
function tokensSentBy(page: Page): () => { token: string; exp: number } {
  let token = "";
  page.on("request", (request) => {
    const header = request.headers()["authorization"] ?? "";
    if (request.url().startsWith(API_URL) && header.startsWith("Bearer ")) token = header.slice("Bearer ".length);
  });
  return () => {
    assert.ok(token, "the page sent no token to the API");
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { exp: number };
    return { token, exp: claims.exp * 1000 };
  };
}

async function signUp(): Promise<{ email: string; cookie: string }> {
  const email = `revoked-${randomUUID().slice(0, 8)}@example.com`;
  const cookie = cookieOf(await auth("/sign-up/email", { body: { name: "Rory Revoked", email, password: PASSWORD }, cookie: "" }));
  return { email, cookie };
}

test("a token of a signed-out session is refused by the API at once; the person's other session still works", async () => {
  const { email, cookie } = await signUp();
  const laptop = cookieOf(await auth("/sign-in/email", { body: { email, password: PASSWORD }, cookie: "" }));
  const signedOut = await tokenFor(cookie);
  const other = await tokenFor(laptop);
  assert.equal((await me(signedOut.token)).status, 200);

  assert.equal((await auth("/sign-out", { body: {}, cookie })).status, 200);
  await refusal(signedOut.token);
  assert.ok(Date.now() < signedOut.exp, "refused before the token expired");
  assert.equal((await me(other.token)).status, 200, "the other session's token is still good");
});

test("a deleted account's tokens are refused by the API at once", async () => {
  const { cookie } = await signUp();
  const { token, exp } = await tokenFor(cookie);
  assert.equal((await me(token)).status, 200);
  assert.equal((await auth("/delete-user", { body: { password: PASSWORD }, cookie })).status, 200);
  await refusal(token);
  assert.ok(Date.now() < exp, "refused before the token expired");
});

test("the token the page used is refused by the API within 2 s of clicking Sign out", async () => {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  const sent = tokensSentBy(page);
  await signUpInBrowser(page, newPerson("Olive Out"));
  await addTask(page, "Written before signing out");
  const { token, exp } = sent();
  assert.equal((await me(token)).status, 200);

  const clicked = Date.now();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  const ms = await refusal(token, clicked);
  console.log(`sign-out: the page's token refused by the API ${ms} ms after the click`);
  assert.ok(Date.now() < exp, "refused before the token expired");
  await page.waitForURL((current) => current.pathname === "/sign-in");
});

test("Sign out other sessions in one browser: the other's token is refused within 2 s and its page ends at sign-in", async () => {
  const person = newPerson("Otto Elsewhere");
  const first = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  const second = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  const sentByFirst = tokensSentBy(first);
  const sentBySecond = tokensSentBy(second);
  await signUpInBrowser(first, person);
  await second.goto(url("/sign-in"));
  await signIn(second, person);
  await addTask(first, "Written in the first browser");
  await addTask(second, "Written in the second browser");
  const firstToken = sentByFirst();
  const secondToken = sentBySecond();
  assert.notEqual(firstToken.token, secondToken.token);
  assert.equal((await me(firstToken.token)).status, 200);

  // From the keyboard, as a person without a mouse would.
  const button = second.getByRole("button", { name: "Sign out other sessions" });
  await button.focus();
  const pressed = Date.now();
  await second.keyboard.press("Enter");
  const ms = await refusal(firstToken.token, pressed);
  console.log(`sign out other sessions: the other browser's token refused by the API ${ms} ms after the click`);
  assert.ok(Date.now() < firstToken.exp, "refused before the token expired");

  // The second browser says what happened, keeps focus where it was, and stays signed in.
  await second.getByRole("status").filter({ hasText: "Signed out everywhere else" }).waitFor();
  assert.equal(await second.evaluate(() => document.activeElement?.textContent), "Sign out other sessions");
  await screenshot(second, "12-signed-out-other-sessions");
  await assertAccessible(second, "tasks, signed out other sessions");
  await second.setViewportSize({ width: 360, height: 740 });
  const fits = await second.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(fits, "both header buttons fit a phone's width");
  await screenshot(second, "13-signed-out-other-sessions-phone");
  await second.setViewportSize(VIEWPORT);
  assert.equal((await me(secondToken.token)).status, 200, "this session's token still works");
  await addTask(second, "Still signed in here");

  // The first browser learns at its next request: the API refuses, no new token is issued, sign-in explains.
  expectFailures(first, { url: /\/api\/[^/]+\/tasks$/, method: "POST", status: 401 }, { url: "/api/auth/token", status: 401 });
  await newTaskTitle(first).fill("Typed after being signed out elsewhere");
  await first.getByRole("button", { name: "Add task" }).click();
  await first.waitForURL((current) => current.pathname === "/sign-in");
  assert.equal(pathOf(first), "/sign-in?next=/tasks&reason=expired");
  await first.getByText("Your session has expired. Please sign in again.").waitFor();
});
