/**
 * Sign-in limits with the real defaults and no trusted proxy: failed sign-ins
 * counted per account and connecting address (never per made-up
 * X-Forwarded-For), a ceiling per account over every address, and the
 * account's own browser (its device cookie) counted apart. Requests sent from
 * other loopback addresses (127.0.0.x) stand for other machines, and leave the
 * browser's count alone.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { DEFAULT_RATES, parseRate } from "../lib/auth-limits";
import { newPerson, screenshot, signOut, signUp, url } from "./support/app";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { expectFailures } from "./support/page-problems";
import { WEB_URL } from "./support/env";

const FAILED_SIGN_IN = parseRate("RATE_LIMIT_FAILED_SIGN_IN", DEFAULT_RATES.RATE_LIMIT_FAILED_SIGN_IN);
const FAILED_PER_ACCOUNT = parseRate("RATE_LIMIT_FAILED_SIGN_IN_ACCOUNT", DEFAULT_RATES.RATE_LIMIT_FAILED_SIGN_IN_ACCOUNT);

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

interface Answer {
  status: number;
  retryAfter: string | undefined;
}

/** POSTs JSON to Better Auth from the given local address, as a machine there would. */
function postFrom(
  localAddress: string,
  path: string,
  body: object,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const sent = request(
      `${WEB_URL}/api/auth${path}`,
      {
        method: "POST",
        localAddress,
        headers: { "content-type": "application/json", origin: WEB_URL, ...headers },
      },
      (response) => {
        response.resume();
        const retryAfter = response.headers["x-retry-after"] as string | undefined;
        response.on("end", () => resolve({ status: response.statusCode ?? 0, retryAfter }));
      },
    );
    sent.on("error", reject);
    sent.end(payload);
  });
}

const PASSWORD = "correct horse battery";
const freshEmail = (name: string) => `${name.toLowerCase().replace(/[^a-z]+/g, "-")}-${randomUUID().slice(0, 8)}@example.com`;

async function signUpFrom(localAddress: string, name: string): Promise<string> {
  const email = freshEmail(name);
  const created = await postFrom(localAddress, "/sign-up/email", { name, email, password: PASSWORD });
  assert.equal(created.status, 200);
  return email;
}

test("wrong passwords until the limit: the form says how long to wait", async () => {
  const person = newPerson("Wanda Wrong");
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await signUp(page, person);
  await signOut(page);
  expectFailures(page, { url: "/api/auth/sign-in/email", status: 401 }, { url: "/api/auth/sign-in/email", status: 429 });

  let refused: Answer | undefined;
  for (let attempt = 1; attempt <= FAILED_SIGN_IN.max + 1 && !refused; attempt += 1) {
    await page.locator("#email").fill(person.email);
    await page.locator("#password").fill(`wrong password ${attempt}`);
    const [response] = await Promise.all([
      page.waitForResponse((answer) => answer.url() === url("/api/auth/sign-in/email")),
      page.getByRole("button", { name: "Sign in", exact: true }).click(),
    ]);
    if (response.status() !== 429) assert.equal(response.status(), 401);
    else refused = { status: 429, retryAfter: (await response.headerValue("x-retry-after")) ?? undefined };
  }
  assert.ok(refused, `the ${FAILED_SIGN_IN.max + 1}th wrong password at the latest is refused`);
  const seconds = Number(refused.retryAfter);
  assert.ok(seconds >= 1 && seconds <= FAILED_SIGN_IN.window, `X-Retry-After ${refused.retryAfter}`);
  const alert = page.getByRole("alert").filter({ hasText: "Too many attempts" });
  assert.equal(await alert.innerText(), `Too many attempts, try again in ${seconds} s.`);
  await screenshot(page, "16-sign-in-too-many-attempts");
  // Only this browser waits: the same person from another machine gets in.
  assert.equal((await postFrom("127.0.0.5", "/sign-in/email", { email: person.email, password: person.password })).status, 200);
});

test("one machine, each try with another X-Forwarded-For: counted as that machine all the same", async () => {
  const email = await signUpFrom("127.0.0.2", "Xavier Forwarded");
  const statuses: number[] = [];
  for (let attempt = 1; attempt <= FAILED_SIGN_IN.max + 3; attempt += 1) {
    const answer = await postFrom(
      "127.0.0.2",
      "/sign-in/email",
      { email, password: `guess ${attempt}` },
      { "x-forwarded-for": `198.51.100.${attempt}` },
    );
    statuses.push(answer.status);
  }
  assert.deepEqual(statuses, [...Array(FAILED_SIGN_IN.max).fill(401), ...Array(3).fill(429)]);
});

test(`${FAILED_SIGN_IN.max} wrong passwords from one machine: it waits, the owner on another signs in`, async () => {
  const email = await signUpFrom("127.0.0.3", "Lou Locked");
  for (let guess = 1; guess <= FAILED_SIGN_IN.max; guess += 1) {
    const answer = await postFrom("127.0.0.11", "/sign-in/email", { email, password: `guess ${guess}` });
    assert.equal(answer.status, 401, `guess ${guess}`);
  }
  const guesser = await postFrom("127.0.0.11", "/sign-in/email", { email, password: PASSWORD });
  assert.equal(guesser.status, 429, "the guessing machine is refused, the right password too");
  const seconds = Number(guesser.retryAfter);
  const fullWindow = seconds > FAILED_SIGN_IN.window - 60 && seconds <= FAILED_SIGN_IN.window;
  assert.ok(fullWindow, `X-Retry-After ${guesser.retryAfter} is what is left of the window`);
  assert.equal((await postFrom("127.0.0.4", "/sign-in/email", { email, password: PASSWORD })).status, 200);
});

test(`past ${FAILED_PER_ACCOUNT.max} guesses from many machines, new machines wait; the owner's browser signs in`, async () => {
  const person = newPerson("Otto Owner");
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await signUp(page, person); // this browser now has the account's device cookie
  await signOut(page);

  const machines = Math.ceil(FAILED_PER_ACCOUNT.max / FAILED_SIGN_IN.max);
  let failed = 0;
  for (let machine = 0; machine < machines; machine += 1) {
    for (let guess = 0; guess < FAILED_SIGN_IN.max && failed < FAILED_PER_ACCOUNT.max; guess += 1) {
      const answer = await postFrom(`127.0.1.${machine + 1}`, "/sign-in/email", { email: person.email, password: "guess" });
      assert.equal(answer.status, 401);
      failed += 1;
    }
  }
  const stranger = await postFrom("127.0.2.1", "/sign-in/email", { email: person.email, password: person.password });
  assert.equal(stranger.status, 429, "a machine new to the account is refused past its ceiling, the right password too");

  // From the browser's own cookie jar (the context's request API shares it), without the task list.
  const owner = await page.context().request.post(url("/api/auth/sign-in/email"), {
    data: { email: person.email, password: person.password },
    headers: { origin: WEB_URL },
  });
  assert.equal(owner.status(), 200, "the browser that signed up before gets in");
});
