/** An optimistic change the API refuses is rolled back, and the person is told why. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { addTask, eventually, newPerson, screenshot, signUp, taskItem, url } from "./support/app";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { expectFailures } from "./support/page-problems";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

test("completing a task deleted in another window rolls back with a message", async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await signUp(page, newPerson("Olga Optimist"));
  await addTask(page, "Renew passport");
  await addTask(page, "Book dentist");

  const otherWindow = await (await browser.newContext({ viewport: VIEWPORT, storageState: await context.storageState() })).newPage();
  await otherWindow.goto(url("/tasks"));
  await taskItem(otherWindow, "Renew passport").getByRole("button", { name: "Delete “Renew passport”" }).click();
  await otherWindow.getByRole("button", { name: "Delete task" }).click();
  await eventually(async () => assert.equal(await taskItem(otherWindow, "Renew passport").count(), 0));

  // This window still shows the task; ticking it is refused by the API with 404.
  expectFailures(page, { url: /\/tasks\/\d+\/complete$/, method: "PATCH", status: 404 });
  // click(), not check(): check() insists the box stays ticked, and the rollback may come first.
  await taskItem(page, "Renew passport").getByRole("checkbox").click();
  const alert = page.getByRole("alert").filter({ hasText: "Couldn't mark “Renew passport” as done" });
  await alert.waitFor();
  assert.match(await alert.innerText(), /no longer exists/);
  await eventually(async () => assert.equal(await taskItem(page, "Renew passport").count(), 0));
  assert.equal(await taskItem(page, "Book dentist").getAttribute("data-completed"), "false");
  assert.equal(await alert.getByRole("button", { name: "Retry" }).count(), 0, "retrying cannot help a 404");
  await screenshot(page, "12-rollback-message");

  await alert.getByRole("button", { name: "Dismiss" }).click();
  await alert.waitFor({ state: "hidden" });
});

test("a change saved in another window is not overwritten by this window's stale copy", async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await signUp(page, newPerson("Tess Twotabs"));
  await addTask(page, "Water the ferns");

  const otherWindow = await (await browser.newContext({ viewport: VIEWPORT, storageState: await context.storageState() })).newPage();
  await otherWindow.goto(url("/tasks"));
  await taskItem(otherWindow, "Water the ferns").getByRole("checkbox").check();
  await eventually(async () =>
    assert.equal(await taskItem(otherWindow, "Water the ferns").getAttribute("data-completed"), "true"),
  );

  // This window still holds the version from before; deleting it is refused with 412, not done blindly.
  expectFailures(page, { url: /\/tasks\/\d+$/, method: "DELETE", status: 412 });
  await taskItem(page, "Water the ferns").getByRole("button", { name: "Delete “Water the ferns”" }).click();
  await page.getByRole("button", { name: "Delete task" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Couldn't delete “Water the ferns”" });
  await alert.waitFor();
  assert.match(await alert.innerText(), /changed in another window/);
  // The list reloads and shows what the other window saved.
  await eventually(async () =>
    assert.equal(await taskItem(page, "Water the ferns").getAttribute("data-completed"), "true"),
  );
  await screenshot(page, "13-changed-elsewhere");
});
