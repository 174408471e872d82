/**
 * Sign-in limits with the real defaults and no trusted proxy: counted per
 * connecting address, never per made-up X-Forwarded-For, and per account
 * whatever the address. Requests sent from other loopback addresses
 * (127.0.0.x) stand for other machines, and leave the browser's count alone.
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

const SIGN_IN = parseRate("RATE_LIMIT_SIGN_IN", DEFAULT_RATES.RATE_LIMIT_SIGN_IN);
const FAILED_SIGN_IN = parseRate("RATE_LIMIT_FAILED_SIGN_IN", DEFAULT_RATES.RATE_LIMIT_FAILED_SIGN_IN);

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

const nobody = () => `nobody-${randomUUID().slice(0, 8)}@example.com`;

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
});

test(`20 sign-ins from one machine, each with another X-Forwarded-For: ${SIGN_IN.max} answered, the rest 429`, async () => {
  const statuses: number[] = [];
  for (let attempt = 1; attempt <= 20; attempt += 1) {
    const answer = await postFrom(
      "127.0.0.2",
      "/sign-in/email",
      { email: nobody(), password: "not the password" },
      { "x-forwarded-for": `198.51.100.${attempt}` },
    );
    statuses.push(answer.status);
  }
  const expected = [...Array(SIGN_IN.max).fill(401), ...Array(20 - SIGN_IN.max).fill(429)];
  assert.deepEqual(statuses, expected);
});

test(`${FAILED_SIGN_IN.max} wrong passwords from as many machines lock the account, for the right password too`, async () => {
  const email = `locked-${randomUUID().slice(0, 8)}@example.com`;
  const password = "correct horse battery";
  const created = await postFrom("127.0.0.3", "/sign-up/email", { name: "Lou Locked", email, password });
  assert.equal(created.status, 200);
  for (let guess = 1; guess <= FAILED_SIGN_IN.max; guess += 1) {
    const answer = await postFrom(`127.0.0.${10 + guess}`, "/sign-in/email", { email, password: `guess ${guess}` });
    assert.equal(answer.status, 401, `guess ${guess}`);
  }
  const owner = await postFrom("127.0.0.4", "/sign-in/email", { email, password });
  assert.equal(owner.status, 429);
  const seconds = Number(owner.retryAfter);
  const fullWindow = seconds > FAILED_SIGN_IN.window - 60 && seconds <= FAILED_SIGN_IN.window;
  assert.ok(fullWindow, `X-Retry-After ${owner.retryAfter} is what is left of the account's window`);
});
