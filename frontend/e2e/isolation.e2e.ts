/** Two people in two browser contexts never see each other's tasks, in the UI or through the API. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { addTask, newPerson, screenshot, signUp, url, visibleTitles } from "./support/app";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { expectFailures } from "./support/page-problems";
import { API_URL } from "./support/env";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

/** The signed-in person's id, as Better Auth's session endpoint reports it. */
function sessionUserId(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const response = await fetch("/api/auth/get-session");
    return ((await response.json()) as { user: { id: string } }).user.id;
  });
}

test("two people never see each other's tasks", async () => {
  const [ada, bob] = [newPerson("Ada Isolated"), newPerson("Bob Isolated")];
  const adaPage = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  const bobPage = await (await browser.newContext({ viewport: VIEWPORT })).newPage();

  await signUp(adaPage, ada);
  await signUp(bobPage, bob);
  await addTask(adaPage, "Ada's secret plan");
  await addTask(bobPage, "Bob's shopping list");

  for (const page of [adaPage, bobPage]) await page.reload();
  await adaPage.getByTestId("task-summary").waitFor();
  await bobPage.getByTestId("task-summary").waitFor();
  assert.deepEqual(await visibleTitles(adaPage), ["Ada's secret plan"]);
  assert.deepEqual(await visibleTitles(bobPage), ["Bob's shopping list"]);
  await screenshot(bobPage, "09-second-person-own-tasks");

  // Bob's own valid token on Ada's path: the API refuses (403), and Ada's id leaks nothing.
  const adaId = await sessionUserId(adaPage);
  expectFailures(bobPage, { url: `${API_URL}/api/${adaId}/tasks`, status: 403 });
  const answer = await bobPage.evaluate(
    async ({ apiUrl, userId }) => {
      const tokenResponse = await fetch("/api/auth/token");
      const { token } = (await tokenResponse.json()) as { token: string };
      const response = await fetch(`${apiUrl}/api/${userId}/tasks`, { headers: { Authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as { error_type?: string } };
    },
    { apiUrl: API_URL, userId: adaId },
  );
  assert.equal(answer.status, 403);
  assert.equal(answer.body.error_type, "permission_denied");

  // And the app's own path for Bob is Bob's, whatever Ada's id is.
  await bobPage.goto(url("/tasks"));
  await bobPage.getByTestId("task-summary").waitFor();
  assert.deepEqual(await visibleTitles(bobPage), ["Bob's shopping list"]);
});
