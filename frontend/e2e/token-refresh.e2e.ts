/**
 * JWTs live seconds in this run (TEST_JWT_EXPIRATION_TIME): the person keeps
 * working across several of them and never notices a refresh, whether the
 * client renews a token before exp or the API refuses an expired one first.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page, Response } from "playwright-core";
import { addTask, newPerson, pathOf, signUp, visibleTitles } from "./support/app";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { expectFailures } from "./support/page-problems";
import { API_URL, JWT_LIFETIME_MS } from "./support/env";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

/** Every answer from Better Auth's token endpoint and from the task API, in order. */
function recordTraffic(page: Page) {
  const tokenResponses: number[] = [];
  const apiResponses: string[] = [];
  page.on("response", (response: Response) => {
    const { pathname } = new URL(response.url());
    if (pathname === "/api/auth/token") tokenResponses.push(response.status());
    if (response.url().startsWith(API_URL) && response.request().method() !== "OPTIONS") {
      apiResponses.push(`${response.request().method()} ${response.status()}`);
    }
  });
  return { tokenResponses, apiResponses };
}

const waitPastExpiry = (page: Page) => page.waitForTimeout(JWT_LIFETIME_MS + 1_500);

test("an expiring JWT is renewed before use, without the person noticing", async () => {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  const traffic = recordTraffic(page);

  await signUp(page, newPerson("Tess Refresh"));
  await addTask(page, "Before the token expires");
  const tokensBefore = traffic.tokenResponses.length;

  await waitPastExpiry(page);
  await addTask(page, "After the token expired");

  assert.equal(pathOf(page), "/tasks");
  assert.ok(traffic.tokenResponses.length > tokensBefore, "a new token was fetched");
  assert.ok(traffic.tokenResponses.every((status) => status === 200));
  assert.ok(!traffic.apiResponses.includes("POST 401"), "renewed before the API could refuse it");
  assert.equal(await page.locator("main").getByRole("alert").count(), 0);
});

test("an expired JWT refused with 401 is refreshed once and the request resent", async () => {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  const traffic = recordTraffic(page);

  await signUp(page, newPerson("Rex Refused"));
  await addTask(page, "First task");
  // Stop the page's clock: the held token now looks fresh to the client forever,
  // as after a laptop wakes up, so only the API can tell that it has expired.
  await page.clock.setFixedTime(Date.now());
  expectFailures(page, { url: /\/api\/[^/]+\/tasks$/, method: "POST", status: 401 });
  await waitPastExpiry(page);
  const tokensBefore = traffic.tokenResponses.length;
  const apiBefore = traffic.apiResponses.length;

  await addTask(page, "Second task");

  assert.deepEqual(traffic.apiResponses.slice(apiBefore), ["POST 401", "POST 201"]);
  assert.equal(traffic.tokenResponses.length, tokensBefore + 1, "exactly one refresh");
  assert.equal(pathOf(page), "/tasks");
  assert.deepEqual(await visibleTitles(page), ["Second task", "First task"]);
  assert.equal(await page.locator("main").getByRole("alert").count(), 0, "nothing for the person to see");
});
