/** Sign-in and sign-up tell people what went wrong without giving accounts away, and `?next=` stays on site. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { newPerson, pathOf, screenshot, signIn, signOut, signUp, url } from "./support/app";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { expectFailures } from "./support/page-problems";
import { WEB_URL } from "./support/env";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

test("wrong password and unknown email read the same; a taken email is explained", async () => {
  const person = newPerson("Carla Credentials");
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await signUp(page, person);
  await signOut(page);
  expectFailures(
    page,
    { url: "/api/auth/sign-in/email", status: 401 },
    { url: "/api/auth/sign-in/email", status: 429 },
    { url: "/api/auth/sign-up/email", status: 422 },
  );

  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByText("Enter your email address.").waitFor();
  await page.getByText("Enter your password.").waitFor();

  const messages: string[] = [];
  for (const [email, password] of [
    [person.email, "not the password"],
    ["nobody-here@example.com", person.password],
  ] as const) {
    await page.locator("#email").fill(email);
    await page.locator("#password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const alert = page.getByRole("alert").filter({ hasText: /Invalid email or password|Too many attempts/ });
    await alert.waitFor();
    messages.push(await alert.innerText());
  }
  assert.deepEqual(messages, ["Invalid email or password.", "Invalid email or password."]);
  await screenshot(page, "13-sign-in-invalid");

  await page.goto(url("/sign-up"));
  await page.locator("#name").fill("Someone Else");
  await page.locator("#email").fill(person.email);
  await page.locator("#password").fill("another password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByText("An account with this email already exists. Sign in instead.").waitFor();
});

test("?next= brings the person back to a same-site page and ignores any other", async () => {
  const person = newPerson("Nora Next");
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await signUp(page, person);
  await signOut(page);

  for (const hostile of ["//evil.example/steal", "https://evil.example/", "/\\evil.example"]) {
    await page.goto(url(`/sign-in?next=${encodeURIComponent(hostile)}`));
    await signIn(page, person);
    assert.equal(new URL(page.url()).origin, WEB_URL, `next=${hostile} must not leave the site`);
    assert.equal(pathOf(page), "/tasks");
    await signOut(page);
  }
});
