/** What a person does in the app, as Playwright steps, plus the checks the scenarios share. */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { ARTIFACTS_DIR, WEB_URL } from "./env";
import { expectFailures } from "./page-problems";

export interface Person {
  name: string;
  email: string;
  password: string;
}

export function newPerson(name: string): Person {
  const slug = name.toLowerCase().replace(/[^a-z]+/g, "-");
  return { name, email: `${slug}-${randomUUID().slice(0, 8)}@example.com`, password: "correct horse battery" };
}

export const url = (pathAndQuery: string) => `${WEB_URL}${pathAndQuery}`;

export function pathOf(page: Page): string {
  const { pathname, search } = new URL(page.url());
  return `${pathname}${search}`;
}

export async function signUp(page: Page, person: Person): Promise<void> {
  await page.goto(url("/sign-up"));
  await page.locator("#name").fill(person.name);
  await page.locator("#email").fill(person.email);
  await page.locator("#password").fill(person.password);
  await submitCredentials(page, "Create account");
}

/** Signs out with the header's button and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((current) => current.pathname === "/sign-in");
}

/** Fills the sign-in form on the current page (go there first) and waits to land. */
export async function signIn(page: Page, person: Person, landsOn = "/tasks"): Promise<void> {
  await page.locator("#email").fill(person.email);
  await page.locator("#password").fill(person.password);
  await submitCredentials(page, "Sign in", landsOn);
}

/**
 * Sign-ins and sign-ups are limited per address (lib/auth-limits.ts), and every
 * scenario comes from 127.0.0.1: when the form says how long, wait like a
 * person would and submit again.
 */
async function submitCredentials(page: Page, button: string, landsOn = "/tasks"): Promise<void> {
  const tooMany = page.getByText(/Too many attempts, try again in \d+ s/);
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    await page.getByRole("button", { name: button, exact: true }).click();
    const outcome = await Promise.race([
      page.waitForURL((current) => current.pathname === landsOn, { timeout: 20_000 }).then(
        () => "landed",
        () => "timeout",
      ),
      tooMany.waitFor({ timeout: 20_000 }).then(
        () => "rate-limited",
        () => "timeout",
      ),
    ]);
    if (outcome === "landed") return;
    if (outcome === "timeout") break;
    expectFailures(page, { url: /\/api\/auth\/sign-(in|up)\/email$/, status: 429 });
    const seconds = Number(/in (\d+) s/.exec(await tooMany.innerText())?.[1]);
    await page.waitForTimeout(seconds * 1000 + 500);
  }
  throw new Error(`${button} did not lead to ${landsOn}; the page is at ${pathOf(page)}`);
}

export const newTaskTitle = (page: Page) => page.locator("#new-task-title");
export const newTaskDescription = (page: Page) => page.locator("#new-task-description");
export const taskItems = (page: Page) => page.getByTestId("task-item");

export function taskItem(page: Page, title: string): Locator {
  return taskItems(page).filter({ has: page.getByText(title, { exact: true }) });
}

/** Adds a task through the form and waits until the API has confirmed it. */
export async function addTask(page: Page, title: string, description = ""): Promise<void> {
  await newTaskTitle(page).fill(title);
  await newTaskDescription(page).fill(description);
  await page.getByRole("button", { name: "Add task" }).click();
  await waitUntilSaved(taskItem(page, title));
  await assertValue(newTaskTitle(page), "");
}

export async function waitUntilSaved(item: Locator): Promise<void> {
  await item.and(item.page().locator('[data-saving="false"]')).waitFor({ timeout: 15_000 });
}

export async function visibleTitles(page: Page): Promise<string[]> {
  return page.getByTestId("task-item").locator("label").allInnerTexts();
}

/** Retries `check` until it stops throwing, for state that settles after a network round trip. */
export async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function assertValue(locator: Locator, expected: string): Promise<void> {
  await eventually(async () => assert.equal(await locator.inputValue(), expected));
}

/** Saves a screenshot under test-artifacts/screens/ for a person to look at (the viewport only for modals). */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  const dir = path.join(ARTIFACTS_DIR, "screens");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage });
}

/** The JWT must live in memory only: nothing token-like in Web Storage. */
export async function assertNoTokenInStorage(page: Page): Promise<void> {
  const stored = await page.evaluate(() => JSON.stringify({ ...window.localStorage, ...window.sessionStorage }));
  assert.doesNotMatch(stored, /eyJ[\w-]+\.eyJ/, "a JWT was found in Web Storage");
}
