/**
 * Every open tab of the app follows a sign-out, or a session found to be over,
 * at once and with the same message, without waiting for its next request.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { addTask, newPerson, pathOf, screenshot, signOut, signUp, taskItem, url } from "./support/app";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { API_URL, JWT_LIFETIME_MS } from "./support/env";
import { expectFailures } from "./support/page-problems";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

/** Requests a tab sends to Better Auth or the task API: a tab that learns from another sends none. */
function serverCalls(page: Page): string[] {
  const calls: string[] = [];
  page.on("request", (request) => {
    const { pathname } = new URL(request.url());
    if (request.url().startsWith(API_URL) || pathname.startsWith("/api/auth/")) calls.push(`${request.method()} ${pathname}`);
  });
  return calls;
}

/** Two tabs of one browser, both showing the person's tasks. */
async function twoTabs(name: string) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const first = await context.newPage();
  await signUp(first, newPerson(name));
  await addTask(first, "Shared between tabs");
  const second = await context.newPage();
  await second.goto(url("/tasks"));
  await taskItem(second, "Shared between tabs").waitFor();
  return { context, first, second };
}

test("signing out in one tab sends the other to sign-in at once, with the same message", async () => {
  const { first, second } = await twoTabs("Tabitha Twin");
  const secondCalls = serverCalls(second);

  await signOut(first);
  await second.waitForURL((current) => current.pathname === "/sign-in", { timeout: 5_000 });

  for (const page of [first, second]) {
    assert.equal(pathOf(page), "/sign-in?next=/tasks&reason=signed-out");
    await page.getByText("You have signed out.").waitFor();
  }
  assert.deepEqual(secondCalls, [], "the second tab heard it from the first, not from a server");
  await screenshot(second, "18-other-tab-signed-out");
});

test("a session that ended elsewhere: the tab that finds out takes the other along", async () => {
  const { context, first, second } = await twoTabs("Tobias Twin");
  // Another browser with the same session cookie signs out: Better Auth deletes the session.
  const elsewhere = await (await browser.newContext({ viewport: VIEWPORT, storageState: await context.storageState() })).newPage();
  await elsewhere.goto(url("/tasks"));
  await signOut(elsewhere);

  // Both tabs still hold a JWT; once it has expired the first tab needs a new one and is refused.
  await first.waitForTimeout(JWT_LIFETIME_MS + 1_500);
  const secondCalls = serverCalls(second);
  expectFailures(first, { url: "/api/auth/token", status: 401 }, { url: /\/api\/[^/]+\/tasks$/, method: "POST", status: 401 });
  await first.locator("#new-task-title").fill("Too late for this one");
  await first.getByRole("button", { name: "Add task" }).click();

  for (const page of [first, second]) {
    await page.waitForURL((current) => current.pathname === "/sign-in", { timeout: 10_000 });
    assert.equal(pathOf(page), "/sign-in?next=/tasks&reason=expired");
    await page.getByText("Your session has expired. Please sign in again.").waitFor();
  }
  assert.deepEqual(secondCalls, [], "the second tab was told, it did not have to find out");
});
