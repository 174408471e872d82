/**
 * Busy, loading and offline states. Requests still go to the real API; the
 * browser only holds some back for a moment or drops one, as a slow or
 * broken network would.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page, Route } from "playwright-core";
import {
  assertValue,
  newPerson,
  newTaskTitle,
  screenshot,
  signOut,
  signUp,
  taskItem,
  url,
  visibleTitles,
  waitUntilSaved,
} from "./support/app";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { expectFailures } from "./support/page-problems";
import { API_URL } from "./support/env";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

const isTaskList = (route: Route) =>
  route.request().method() === "GET" && /\/api\/[^/]+\/tasks\?/.test(route.request().url());
const isTaskCreate = (route: Route) =>
  route.request().method() === "POST" && /\/api\/[^/]+\/tasks$/.test(route.request().url());

/** Lets matching API requests through, after `act` decides to delay or drop them. */
async function onApiRequests(page: Page, matches: (route: Route) => boolean, act: (route: Route) => Promise<void>) {
  await page.unrouteAll({ behavior: "wait" });
  await page.route(`${API_URL}/api/**`, (route) => (matches(route) ? act(route) : route.continue()));
}

test("busy and loading states, a GET that survives a dropped request, a write that asks before retrying", async () => {
  const person = newPerson("Nadia Network");
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  // The requests this scenario drops on purpose.
  expectFailures(page, { url: /\/api\/[^/]+\/tasks(\?.*)?$/, failure: "net::ERR_INTERNET_DISCONNECTED" });
  await signUp(page, person);
  await page.getByTestId("empty-state").waitFor();

  // Sign-in shows that it is working while Better Auth answers.
  await signOut(page);
  await page.route("**/api/auth/sign-in/email", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await route.continue();
  });
  await page.locator("#email").fill(person.email);
  await page.locator("#password").fill(person.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: "Signing in…" }).waitFor();
  assert.equal(await page.locator("#email").isDisabled(), true, "fields are locked while signing in");
  await screenshot(page, "14-sign-in-busy");
  await page.waitForURL((current) => current.pathname === "/tasks");
  await page.unroute("**/api/auth/sign-in/email");

  // A slow list shows placeholder rows.
  await onApiRequests(page, isTaskList, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await route.continue();
  });
  await page.reload();
  await page.getByTestId("tasks-loading").waitFor();
  await screenshot(page, "15-tasks-loading");
  await page.getByTestId("empty-state").waitFor();

  // A dropped GET is retried by itself: the person sees the list, not an error.
  let listAttempts = 0;
  await onApiRequests(page, isTaskList, async (route) => {
    listAttempts += 1;
    await (listAttempts === 1 ? route.abort("internetdisconnected") : route.continue());
  });
  await page.reload();
  await page.getByTestId("empty-state").waitFor();
  assert.equal(listAttempts, 2);

  // A dropped POST is not repeated behind the person's back: they get a message and a Retry.
  let createAttempts = 0;
  await onApiRequests(page, isTaskCreate, async (route) => {
    createAttempts += 1;
    await (createAttempts === 1 ? route.abort("internetdisconnected") : route.continue());
  });
  await newTaskTitle(page).fill("Pay the rent");
  await page.getByRole("button", { name: "Add task" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Couldn't add “Pay the rent”" });
  await alert.waitFor();
  assert.match(await alert.innerText(), /Can't reach the task service/);
  await assertValue(newTaskTitle(page), "Pay the rent");
  assert.deepEqual(await visibleTitles(page), [], "the optimistic row was rolled back");
  await page.waitForTimeout(1_000);
  assert.equal(createAttempts, 1, "no silent repeat");
  await screenshot(page, "16-write-failed-retry");

  await alert.getByRole("button", { name: "Retry" }).click();
  await waitUntilSaved(taskItem(page, "Pay the rent"));
  await alert.waitFor({ state: "hidden" });
  await assertValue(newTaskTitle(page), "");
  assert.equal(createAttempts, 2);

  await page.unrouteAll({ behavior: "wait" });
  await page.goto(url("/tasks"));
  await page.getByTestId("task-summary").waitFor();
  assert.deepEqual(await visibleTitles(page), ["Pay the rent"], "saved exactly once");
});
