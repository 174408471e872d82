/**
 * The whole journey with the keyboard alone: sign up, add, edit, complete,
 * filter, delete with its confirmation, a failure and its rollback, sign out.
 * Focus is always visible and moves to what changed; the live region says
 * what happened.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import {
  eventually,
  newPerson,
  newTaskTitle,
  pathOf,
  screenshot,
  taskItem,
  url,
  visibleTitles,
  waitUntilSaved,
} from "./support/app";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { API_URL } from "./support/env";
import { expectFailures } from "./support/page-problems";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

const MAX_TABS = 40;

const isFocused = (locator: Locator) => locator.evaluate((element) => element === document.activeElement);

/** Presses Tab (or Shift+Tab) until `target` has focus, as a person would. */
async function tabTo(page: Page, target: Locator, { backwards = false } = {}): Promise<void> {
  for (let presses = 0; presses < MAX_TABS; presses += 1) {
    if (await isFocused(target)) return assertFocusVisible(page);
    await page.keyboard.press(backwards ? "Shift+Tab" : "Tab");
  }
  throw new Error(`${MAX_TABS} presses of ${backwards ? "Shift+Tab" : "Tab"} never reached ${target}`);
}

/** Focus has landed on `target` by itself (it moved to what changed), and shows. */
async function assertFocusMovedTo(page: Page, target: Locator, what: string): Promise<void> {
  await eventually(async () => assert.ok(await isFocused(target), `focus is on ${what}`));
  await assertFocusVisible(page);
}

/** The focused element matches :focus-visible and draws a ring: a solid outline or a box shadow. */
async function assertFocusVisible(page: Page): Promise<void> {
  const focus = await page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    return {
      what: element.outerHTML.slice(0, 120),
      matches: element.matches(":focus-visible"),
      outline: style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth),
      shadow: style.boxShadow,
    };
  });
  assert.ok(focus, "something has focus");
  assert.ok(focus.matches, `${focus.what} matches :focus-visible`);
  assert.ok(focus.outline >= 2 || focus.shadow !== "none", `${focus.what} shows its focus`);
}

async function assertAnnounced(page: Page, text: string): Promise<void> {
  const region = page.getByTestId("announcer");
  assert.equal(await region.getAttribute("aria-live"), "polite");
  await eventually(async () => assert.equal((await region.textContent())?.trim(), text));
}

test("the whole journey works with the keyboard alone", async () => {
  const person = newPerson("Kim Keyboard");
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  const keys = page.keyboard;

  await page.goto(url("/sign-up"));
  await tabTo(page, page.locator("#name"));
  await keys.type(person.name);
  await keys.press("Tab");
  await assertFocusMovedTo(page, page.locator("#email"), "the email field");
  await keys.type(person.email);
  await keys.press("Tab");
  await keys.type(person.password);
  await keys.press("Enter");
  await page.waitForURL((current) => current.pathname === "/tasks");
  await page.getByTestId("empty-state").waitFor();

  // Add: the new task's row takes focus once it is saved.
  for (const title of ["Buy oat milk", "Call the bank"]) {
    await tabTo(page, newTaskTitle(page), { backwards: true });
    await keys.type(title);
    await keys.press("Enter");
    await waitUntilSaved(taskItem(page, title));
    await assertFocusMovedTo(page, taskItem(page, title), `the new row “${title}”`);
    await assertAnnounced(page, `Added “${title}”.`);
  }

  // Edit: Enter opens the editor on its title; saving gives focus back to the row.
  await tabTo(page, page.getByRole("button", { name: "Edit “Call the bank”" }));
  await keys.press("Enter");
  const editor = page.getByRole("form", { name: "Edit task" });
  await assertFocusMovedTo(page, editor.getByLabel("Title"), "the editor's title");
  await keys.press("ControlOrMeta+A");
  await keys.type("Call the bank about the card");
  await keys.press("Enter");
  const bank = taskItem(page, "Call the bank about the card");
  await waitUntilSaved(bank);
  await assertFocusMovedTo(page, bank, "the edited row");
  await assertAnnounced(page, "Saved your changes to “Call the bank about the card”.");
  await screenshot(page, "19-keyboard-row-focused", { fullPage: false });

  // Complete: Space ticks the box, which keeps focus while it saves.
  const bankBox = bank.getByRole("checkbox");
  await tabTo(page, bankBox);
  await keys.press("Space");
  await waitUntilSaved(bank);
  assert.equal(await bankBox.isChecked(), true);
  await assertFocusMovedTo(page, bankBox, "the box just ticked");
  await assertAnnounced(page, "Marked “Call the bank about the card” as done.");

  // Filter.
  const completedTab = page.getByRole("button", { name: /^Completed/ });
  await tabTo(page, completedTab, { backwards: true });
  await keys.press("Enter");
  assert.equal(await completedTab.getAttribute("aria-pressed"), "true");
  // Each tab is the API's list for it: its rows settle after a request.
  await eventually(async () => assert.deepEqual(await visibleTitles(page), ["Call the bank about the card"]));
  await tabTo(page, page.getByRole("button", { name: /^All/ }), { backwards: true });
  await keys.press("Enter");
  await eventually(async () =>
    assert.deepEqual(await visibleTitles(page), ["Call the bank about the card", "Buy oat milk"]),
  );

  // Delete: the dialog takes focus; Escape backs out; the confirmed delete hands focus to the neighbour.
  const deleteMilk = page.getByRole("button", { name: "Delete “Buy oat milk”" });
  await tabTo(page, deleteMilk);
  await keys.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Delete this task?" });
  await assertFocusMovedTo(page, dialog.getByRole("button", { name: "Cancel" }), "the dialog's Cancel");
  await keys.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  await assertFocusMovedTo(page, deleteMilk, "the Delete button again");
  await keys.press("Enter");
  await assertFocusMovedTo(page, dialog.getByRole("button", { name: "Cancel" }), "the dialog's Cancel");
  await keys.press("Tab");
  await assertFocusMovedTo(page, dialog.getByRole("button", { name: "Delete task" }), "Delete task");
  await keys.press("Enter");
  await eventually(async () => assert.equal(await taskItem(page, "Buy oat milk").count(), 0));
  await assertFocusMovedTo(page, bank, "the remaining row");
  await assertAnnounced(page, "Deleted “Buy oat milk”.");

  // A failure: the network drops a new task; the error takes focus and the live region says so.
  expectFailures(page, { url: /\/api\/[^/]+\/tasks(\/\d+\/complete)?$/, failure: "net::ERR_INTERNET_DISCONNECTED" });
  await page.route(`${API_URL}/api/*/tasks`, async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await route.abort("internetdisconnected");
  });
  await tabTo(page, newTaskTitle(page), { backwards: true });
  await keys.type("Pay the rent");
  await keys.press("Enter");
  await assertAnnounced(page, "Adding “Pay the rent”…");
  const addFailed = page.getByRole("alert").filter({ hasText: "Couldn't add “Pay the rent”" });
  await assertFocusMovedTo(page, addFailed, "the error");
  await assertAnnounced(page, "Couldn't add “Pay the rent”: it was taken off the list.");
  await screenshot(page, "20-keyboard-error-focused", { fullPage: false });

  // A rollback: reopening the task is dropped too; the box is ticked again and the error has focus.
  await page.route(`${API_URL}/api/*/tasks/*/complete`, (route) => route.abort("internetdisconnected"));
  await tabTo(page, bankBox);
  await keys.press("Space");
  const reopenFailed = page.getByRole("alert").filter({ hasText: "Couldn't reopen “Call the bank about the card”" });
  await assertFocusMovedTo(page, reopenFailed, "the error");
  await assertAnnounced(page, "Couldn't reopen “Call the bank about the card”: it is back as it was.");
  assert.equal(await bankBox.isChecked(), true, "rolled back to done");
  await page.unrouteAll({ behavior: "wait" });

  await tabTo(page, page.getByRole("button", { name: "Sign out", exact: true }), { backwards: true });
  await keys.press("Enter");
  await page.waitForURL((current) => current.pathname === "/sign-in");
  assert.equal(pathOf(page), "/sign-in?next=/tasks&reason=signed-out");
  await page.getByText("You have signed out.").waitFor();
});
