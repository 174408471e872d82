/**
 * The session is signed out elsewhere: the next time this window needs a
 * token it lands on sign-in with "Your session has expired", and the text
 * the person was typing is still there after signing in again.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import {
  addTask,
  assertValue,
  newPerson,
  newTaskDescription,
  newTaskTitle,
  pathOf,
  screenshot,
  signIn,
  signOut,
  signUp,
  url,
  visibleTitles,
} from "./support/app";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { expectFailures } from "./support/page-problems";
import { JWT_LIFETIME_MS } from "./support/env";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

test("a session signed out in another window sends this one to sign in, keeping the draft", async () => {
  const person = newPerson("Rita Revoked");
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await signUp(page, person);
  await addTask(page, "Existing task");

  // A second window holding the same session cookie signs out: Better Auth deletes the session.
  const sessionCookies = await context.storageState();
  const elsewhere = await (await browser.newContext({ viewport: VIEWPORT, storageState: sessionCookies })).newPage();
  await elsewhere.goto(url("/tasks"));
  await signOut(elsewhere);

  // This window still holds a JWT until it expires; the person types on meanwhile. Then Better Auth
  // refuses a new token (401), and the API the expired one, whichever is asked first.
  expectFailures(page, { url: "/api/auth/token", status: 401 }, { url: /\/api\/[^/]+\/tasks$/, method: "POST", status: 401 });
  await newTaskTitle(page).fill("Idea I must not lose");
  await newTaskDescription(page).fill("Typed while the session was being revoked.");
  await page.waitForTimeout(JWT_LIFETIME_MS + 1_500);
  await page.getByRole("button", { name: "Add task" }).click();

  await page.waitForURL((current) => current.pathname === "/sign-in");
  assert.equal(pathOf(page), "/sign-in?next=/tasks&reason=expired");
  await page.getByText("Your session has expired. Please sign in again.").waitFor();
  await screenshot(page, "10-sign-in-session-expired");

  await signIn(page, person);
  await assertValue(newTaskTitle(page), "Idea I must not lose");
  await assertValue(newTaskDescription(page), "Typed while the session was being revoked.");
  await page.getByText("We kept the task you were writing").waitFor();
  await page.getByTestId("task-summary").waitFor();
  assert.deepEqual(await visibleTitles(page), ["Existing task"], "the refused task was not saved behind the scenes");
  await screenshot(page, "11-tasks-draft-restored");

  await page.getByRole("button", { name: "Add task" }).click();
  await page.getByText("Idea I must not lose", { exact: true }).waitFor();
  await assertValue(newTaskTitle(page), "");
});

test("opening the app with a cookie whose session is gone explains why", async () => {
  const person = newPerson("Sam Stale");
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await signUp(page, person);
  const staleCookies = await context.storageState();
  await signOut(page);

  const stale = await (await browser.newContext({ viewport: VIEWPORT, storageState: staleCookies })).newPage();
  await stale.goto(url("/tasks"));
  assert.equal(pathOf(stale), "/sign-in?next=/tasks&reason=expired");
  await stale.getByText("Your session has expired").waitFor();
});
