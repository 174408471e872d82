/**
 * axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) on every page and state a person
 * meets, at desktop and phone widths: no serious or critical violation.
 * The results per page land in test-artifacts/axe/summary.txt.
 */
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { assertAccessible } from "./support/axe";
import { addTask, newPerson, newTaskTitle, signOut, signUp, taskItem, url, waitUntilSaved } from "./support/app";
import { launchBrowser, PHONE_VIEWPORT, VIEWPORT } from "./support/browser";
import { API_URL } from "./support/env";
import { expectFailures } from "./support/page-problems";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

for (const [screen, viewport] of [
  ["desktop", VIEWPORT],
  ["phone", PHONE_VIEWPORT],
] as const) {
  test(`every page and state passes axe on a ${screen} (${viewport.width} px)`, async () => {
    const page = await (await browser.newContext({ viewport })).newPage();

    await page.goto(url("/sign-in"));
    await assertAccessible(page, "sign-in");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByText("Enter your email address.").waitFor();
    await assertAccessible(page, "sign-in, field errors");
    await page.goto(url("/sign-in?next=/tasks&reason=expired"));
    await page.getByText("Your session has expired").waitFor();
    await assertAccessible(page, "sign-in, session expired");

    await page.goto(url("/sign-up"));
    await assertAccessible(page, "sign-up");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("Enter your name.").waitFor();
    await assertAccessible(page, "sign-up, field errors");

    await signUp(page, newPerson(`Axel ${screen}`));
    await page.getByTestId("empty-state").waitFor();
    await assertAccessible(page, "tasks, empty");

    await addTask(page, "Renew the passport", "The photo booth is at the station.");
    await addTask(page, "Water the ferns");
    const ferns = taskItem(page, "Water the ferns");
    await ferns.getByRole("checkbox").check();
    await waitUntilSaved(ferns);
    await assertAccessible(page, "tasks, with tasks");

    const passport = taskItem(page, "Renew the passport");
    await passport.getByRole("button", { name: "Edit “Renew the passport”" }).click();
    await page.getByRole("form", { name: "Edit task" }).waitFor();
    await assertAccessible(page, "tasks, editing");
    await page.getByRole("form", { name: "Edit task" }).getByRole("button", { name: "Cancel" }).click();

    await passport.getByRole("button", { name: "Delete “Renew the passport”" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this task?" });
    await dialog.waitFor();
    await assertAccessible(page, "tasks, delete confirmation open");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });

    // The network drops the next new task, so the board shows its error.
    expectFailures(page, { url: /\/api\/[^/]+\/tasks$/, method: "POST", failure: "net::ERR_INTERNET_DISCONNECTED" });
    await page.route(`${API_URL}/api/*/tasks`, (route) =>
      route.request().method() === "POST" ? route.abort("internetdisconnected") : route.continue(),
    );
    await newTaskTitle(page).fill("Pay the rent");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.getByRole("alert").filter({ hasText: "Couldn't add “Pay the rent”" }).waitFor();
    await assertAccessible(page, "tasks, error shown");
    await page.unrouteAll({ behavior: "wait" });

    await signOut(page);
    await page.getByText("You have signed out.").waitFor();
    await assertAccessible(page, "sign-in, signed out");
  });
}
