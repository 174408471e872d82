/**
 * A list of any size: 2,000 tasks show their first rows after one request and
 * the rest as the person scrolls; search and sort are the API's, and stay in
 * the address.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page, Request } from "playwright-core";
import {
  addTask,
  eventually,
  newPerson,
  screenshot,
  signUp,
  taskItem,
  taskItems,
  url,
  visibleTitles,
  waitUntilSaved,
} from "./support/app";
import { taskApiFor } from "./support/api";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { expectFailures } from "./support/page-problems";
import { API_URL } from "./support/env";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

const LONG_LIST = 2_000;
const PAGE_SIZE = 50;

/** The API's list requests (not the browser's CORS preflights), with their query. */
function listRequests(page: Page): URLSearchParams[] {
  const seen: URLSearchParams[] = [];
  page.on("request", (request: Request) => {
    const address = new URL(request.url());
    if (request.method() === "GET" && address.origin === API_URL && /^\/api\/[^/]+\/tasks$/.test(address.pathname)) {
      seen.push(address.searchParams);
    }
  });
  return seen;
}

const pageRequests = (seen: URLSearchParams[]) => seen.filter((query) => query.get("limit") === String(PAGE_SIZE));
const loadMore = (page: Page) => page.getByTestId("load-more");

test(`${LONG_LIST} tasks: the first rows after one request, then every task by scrolling`, async () => {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  // The later pages this scenario drops on purpose.
  expectFailures(page, { url: /\/api\/[^/]+\/tasks\?.*after=[^&]/, failure: "net::ERR_INTERNET_DISCONNECTED" });
  await signUp(page, newPerson("Lena Longlist"));
  const api = await taskApiFor(page);
  const titles = Array.from({ length: LONG_LIST }, (_, index) => `Errand ${String(index + 1).padStart(4, "0")}`);
  const seedingStarted = Date.now();
  await api.createTasks(titles.map((title, index) => ({ title, completed: index % 4 === 0 })));
  console.log(`long list: ${LONG_LIST} tasks created through the API in ${Date.now() - seedingStarted} ms`);

  const requests = listRequests(page);
  const started = Date.now();
  await page.goto(url("/tasks"));
  await taskItems(page).first().waitFor();
  const firstRowMs = Date.now() - started;
  const pagesBeforeFirstRow = pageRequests(requests).length;
  console.log(`long list: first row of ${LONG_LIST} shown ${firstRowMs} ms after navigating to /tasks`);
  assert.equal(pagesBeforeFirstRow, 1, "the first rows come from one request, not from the whole list");
  assert.equal(await taskItems(page).count(), PAGE_SIZE);

  // The counts are the API's totals, not the 50 rows loaded so far.
  await page.getByTestId("task-summary").filter({ hasText: "1500 pending · 500 completed" }).waitFor();
  await page.getByRole("button", { name: /^All\s*2000$/ }).waitFor();
  await page.getByRole("button", { name: /^Completed\s*500$/ }).waitFor();
  await screenshot(page, "20-long-list-first-page");

  // A later page that fails (every retry too) keeps the rows shown and offers a retry.
  let failing = true;
  await page.route(`${API_URL}/api/**`, (route) => {
    const after = new URL(route.request().url()).searchParams.get("after");
    return failing && after ? route.abort("internetdisconnected") : route.continue();
  });
  await loadMore(page).getByRole("button", { name: "Load more tasks" }).click();
  const failed = loadMore(page).getByRole("alert");
  await failed.waitFor({ timeout: 20_000 });
  assert.match(await failed.innerText(), /Couldn't load more tasks/);
  assert.equal(await taskItems(page).count(), PAGE_SIZE, "the rows already shown stay");
  await screenshot(page, "21-long-list-page-failed");
  failing = false;
  await failed.getByRole("button", { name: "Retry" }).click();
  await eventually(async () => assert.ok((await taskItems(page).count()) >= 2 * PAGE_SIZE));
  await page.unrouteAll({ behavior: "wait" });

  // Scrolling brings the rest, page by page, until the last task.
  const deadline = Date.now() + 120_000;
  while ((await loadMore(page).count()) > 0) {
    assert.ok(Date.now() < deadline, `still loading after 2 minutes: ${await taskItems(page).count()} rows`);
    await page.mouse.wheel(0, 4_000);
    await page.waitForTimeout(50);
  }
  const shown = await visibleTitles(page);
  assert.equal(shown.length, LONG_LIST);
  assert.deepEqual([...shown].sort(), titles, "every task once, none twice");
  const pages = pageRequests(requests);
  assert.ok(pages.every((query) => query.has("after") && !query.has("offset")), "keyset pages, never offsets");
  assert.equal(new Set(pages.map((query) => query.get("after"))).size, LONG_LIST / PAGE_SIZE, "each page asked for once (retries aside)");
  await screenshot(page, "22-long-list-end", { fullPage: false });
});

test("search and sort are the API's, kept in the address for a reload or a link", async () => {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await signUp(page, newPerson("Sam Searcher"));
  const api = await taskApiFor(page);
  // One at a time, so they are created in this order: oldest first.
  const named = ["Water the ferns", "Buy oat milk", "Call the plumber", "Buy stamps", "Book the dentist"];
  for (const title of named) await api.createTasks([{ title }]);
  const fillers = Array.from({ length: 60 }, (_, index) => `Note ${String(index + 1).padStart(2, "0")}`);
  await api.createTasks(fillers.map((title) => ({ title, description: "Something to file away." })));

  const requests = listRequests(page);
  await page.goto(url("/tasks"));
  await taskItems(page).first().waitFor();
  await page.getByTestId("task-summary").filter({ hasText: "65 pending · 0 completed" }).waitFor();
  const search = page.getByRole("searchbox", { name: "Search tasks" });

  // Typing is one search for the whole word, not one per letter, and the rows are the API's matches.
  const before = requests.length;
  await search.pressSequentially("buy", { delay: 40 });
  await page.waitForURL((current) => current.searchParams.get("q") === "buy");
  await page.getByTestId("task-summary").filter({ hasText: "2 tasks match “buy”" }).waitFor();
  assert.deepEqual(await visibleTitles(page), ["Buy stamps", "Buy oat milk"]);
  assert.deepEqual(requests.slice(before).map((query) => query.get("search")), ["buy"], "one request for the word");

  // A slow answer to an earlier search never replaces the newer search's rows.
  await page.route(`${API_URL}/api/**`, async (route) => {
    if (new URL(route.request().url()).searchParams.get("search") === "plumber") {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
    await route.continue().catch(() => undefined); // the page may have cancelled it meanwhile
  });
  await search.fill("plumber");
  await page.waitForURL((current) => current.searchParams.get("q") === "plumber");
  await search.fill("dentist");
  await page.getByTestId("task-summary").filter({ hasText: "1 task matches “dentist”" }).waitFor();
  await page.waitForTimeout(2_000);
  assert.deepEqual(await visibleTitles(page), ["Book the dentist"]);
  await page.unrouteAll({ behavior: "wait" });

  // Nothing found says so.
  await search.fill("holiday");
  await page.getByTestId("empty-state").filter({ hasText: "No tasks match “holiday”" }).waitFor();
  await screenshot(page, "23-search-no-match");

  // Sorting is done by the API across pages; the choice is in the address and survives a reload.
  await search.fill("");
  await page.waitForURL((current) => !current.searchParams.has("q"));
  await page.getByLabel("Sort").selectOption("oldest");
  await page.waitForURL((current) => current.searchParams.get("sort") === "oldest");
  await eventually(async () => assert.deepEqual((await visibleTitles(page)).slice(0, 5), named));
  await page.getByLabel("Sort").selectOption("title");
  await eventually(async () =>
    assert.deepEqual((await visibleTitles(page)).slice(0, 3), ["Book the dentist", "Buy oat milk", "Buy stamps"]),
  );
  await search.fill("the");
  await page.waitForURL((current) => current.searchParams.get("q") === "the" && current.searchParams.get("sort") === "title");
  await page.reload();
  await page.getByTestId("task-summary").waitFor();
  assert.equal(await search.inputValue(), "the");
  assert.equal(await page.getByLabel("Sort").inputValue(), "title");
  assert.deepEqual(await visibleTitles(page), ["Book the dentist", "Call the plumber", "Water the ferns"]);
  await screenshot(page, "24-search-and-sort-after-reload");

  // A shared link opens the same view; Back undoes a tab.
  await page.goto(url("/tasks?q=water&sort=oldest"));
  await page.getByTestId("task-summary").filter({ hasText: "1 task matches “water”" }).waitFor();
  assert.deepEqual(await visibleTitles(page), ["Water the ferns"]);
  await page.getByRole("button", { name: /^Completed/ }).click();
  await page.waitForURL((current) => current.searchParams.get("status") === "completed");
  await page.getByTestId("empty-state").waitFor();
  await page.goBack();
  await page.waitForURL((current) => !current.searchParams.has("status"));
  await eventually(async () => assert.deepEqual(await visibleTitles(page), ["Water the ferns"]));

  // Sorted by title, the next page may hold a task added or renamed meanwhile: it still shows once.
  await page.goto(url("/tasks?sort=title"));
  await taskItems(page).first().waitFor();
  assert.equal(await taskItems(page).count(), PAGE_SIZE);
  await addTask(page, "Zebra crossing survey");
  const renamed = taskItem(page, "Book the dentist");
  await renamed.getByRole("button", { name: "Edit “Book the dentist”" }).click();
  const editor = page.getByRole("form", { name: "Edit task" });
  await editor.getByLabel("Title").fill("Yearly dentist visit");
  await editor.getByRole("button", { name: "Save" }).click();
  await waitUntilSaved(taskItem(page, "Yearly dentist visit"));
  await loadMore(page).getByRole("button", { name: "Load more tasks" }).click();
  await loadMore(page).waitFor({ state: "detached" });
  const titles = await visibleTitles(page);
  assert.equal(titles.length, named.length + fillers.length + 1);
  assert.equal(new Set(titles).size, titles.length, "no task shows twice");
});
