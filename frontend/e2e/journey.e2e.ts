/**
 * One person's whole day: sign up, add three tasks, complete one, filter,
 * edit, delete, reload and restart the browser (still signed in), sign out.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import {
  addTask,
  assertNoTokenInStorage,
  eventually,
  newPerson,
  pathOf,
  screenshot,
  signOut,
  taskItem,
  taskItems,
  url,
  visibleTitles,
  waitUntilSaved,
} from "./support/app";
import { launchProfile } from "./support/browser";

const profileDir = mkdtempSync(path.join(tmpdir(), "tasks-e2e-profile-"));
let context: BrowserContext | undefined;

after(async () => {
  await context?.close();
  rmSync(profileDir, { recursive: true, force: true });
});

const requestLog: string[] = [];

async function openPage(): Promise<Page> {
  context = await launchProfile(profileDir);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "debug") requestLog.push(message.text());
  });
  return page;
}

test("sign up, manage tasks, stay signed in across reloads and restarts, sign out", async () => {
  const person = newPerson("Ada Lovelace");
  let page = await openPage();

  await page.goto(url("/tasks"));
  assert.equal(pathOf(page), "/sign-in?next=/tasks", "a visitor is sent to sign in, keeping where they were going");
  await page.getByRole("heading", { name: "Welcome back" }).waitFor();
  await screenshot(page, "01-sign-in");

  await page.getByRole("link", { name: "Create an account" }).click();
  await page.waitForURL((current) => current.pathname === "/sign-up");
  await page.getByRole("button", { name: "Create account" }).click();
  for (const message of ["Enter your name.", "Enter your email address.", "Enter your password."]) {
    await page.getByText(message).waitFor();
  }
  await page.locator("#password").fill("short");
  await page.locator("#email").fill("ada@");
  await page.getByText("Use at least 8 characters.").waitFor();
  await screenshot(page, "02-sign-up-field-errors");

  await page.locator("#name").fill(person.name);
  await page.locator("#email").fill(person.email);
  await page.locator("#password").fill(person.password);
  await screenshot(page, "03-sign-up-filled");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((current) => current.pathname === "/tasks");

  await page.getByTestId("empty-state").waitFor();
  assert.equal(await page.getByTestId("account-name").innerText(), person.name);
  assert.equal(await page.getByTestId("account-email").innerText(), person.email);
  await screenshot(page, "04-tasks-empty");

  await addTask(page, "Buy oat milk");
  await addTask(page, "Write the quarterly report", "Numbers from finance first; draft by Thursday.");
  await addTask(page, "Call the bank");
  assert.deepEqual(await visibleTitles(page), ["Call the bank", "Write the quarterly report", "Buy oat milk"]);

  const report = taskItem(page, "Write the quarterly report");
  await report.getByRole("checkbox").check();
  await waitUntilSaved(report);
  assert.equal(await report.getAttribute("data-completed"), "true");
  await page.getByTestId("task-summary").filter({ hasText: "2 pending · 1 completed" }).waitFor();
  await screenshot(page, "05-tasks-list");

  // Each tab is the API's list for it (a long list is not all loaded): it settles after one request.
  await page.getByRole("button", { name: /^Pending/ }).click();
  await eventually(async () => assert.deepEqual(await visibleTitles(page), ["Call the bank", "Buy oat milk"]));
  await page.getByRole("button", { name: /^Completed/ }).click();
  await eventually(async () => assert.deepEqual(await visibleTitles(page), ["Write the quarterly report"]));
  await screenshot(page, "06-tasks-filter-completed");
  await page.getByRole("button", { name: /^All/ }).click();
  await eventually(async () => assert.equal(await taskItems(page).count(), 3));

  await taskItem(page, "Call the bank").getByRole("button", { name: "Edit “Call the bank”" }).click();
  const editor = page.getByRole("form", { name: "Edit task" });
  await editor.getByLabel("Title").fill("Call the bank about the new card");
  await editor.getByLabel(/Description/).fill("Ask about the delivery date.");
  await screenshot(page, "07-task-editing");
  await editor.getByRole("button", { name: "Save" }).click();
  await waitUntilSaved(taskItem(page, "Call the bank about the new card"));
  await page.getByText("Ask about the delivery date.").waitFor();

  const milk = taskItem(page, "Buy oat milk");
  await milk.getByRole("button", { name: "Delete “Buy oat milk”" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete this task?" });
  await dialog.waitFor();
  await screenshot(page, "08-delete-confirmation", { fullPage: false });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "hidden" });
  assert.equal(await milk.count(), 1, "cancel keeps the task");
  await milk.getByRole("button", { name: "Delete “Buy oat milk”" }).click();
  const deleted = page.waitForResponse((response) => response.request().method() === "DELETE");
  await dialog.getByRole("button", { name: "Delete task" }).click();
  await eventually(async () => assert.equal(await milk.count(), 0));
  assert.equal((await deleted).status(), 204);

  await page.reload();
  await page.getByTestId("task-summary").filter({ hasText: "1 pending · 1 completed" }).waitFor();
  assert.equal(pathOf(page), "/tasks", "a reload keeps the person signed in");
  assert.deepEqual(await visibleTitles(page), ["Call the bank about the new card", "Write the quarterly report"]);
  assert.equal(await taskItem(page, "Write the quarterly report").getAttribute("data-completed"), "true");
  await assertNoTokenInStorage(page);

  // NEXT_PUBLIC_API_DEBUG=1 in this run: one line per request, and nothing secret in it.
  const apiLines = requestLog.filter((line) => line.startsWith("[api]"));
  for (const expected of ["GET", "POST", "PATCH", "DELETE"]) {
    assert.ok(apiLines.some((line) => line.startsWith(`[api] ${expected} /api/`)), `a ${expected} was logged`);
  }
  for (const line of apiLines) {
    assert.match(line, /^\[api\] (GET|POST|PATCH|DELETE) \/api\/[\w-]+\/tasks(\/\d+(\/complete)?)? -> \d{3} \(\d+ ms\)$/);
  }
  assert.doesNotMatch(requestLog.join("\n"), /eyJ|Bearer|password/i);

  await context?.close();
  page = await openPage();
  await page.goto(url("/tasks"));
  await page.getByTestId("task-summary").filter({ hasText: "1 pending · 1 completed" }).waitFor();
  assert.equal(pathOf(page), "/tasks", "the session cookie outlives a browser restart");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "17-tasks-narrow-screen");

  await signOut(page);
  await page.goto(url("/tasks"));
  assert.equal(pathOf(page), "/sign-in?next=/tasks");
  assert.equal(await page.getByText("Your session has expired").count(), 0, "signing out is not an expiry");
});
