/**
 * The checks the other scenarios lean on can fail: the page watch catches each
 * kind of problem, and axe catches the grey date line the app used to have.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { addTask, newPerson, signUp, url } from "./support/app";
import { assertAccessible } from "./support/axe";
import { launchBrowser, VIEWPORT } from "./support/browser";
import { API_URL } from "./support/env";
import { expectFailures, takeProblems } from "./support/page-problems";

let browser: Browser;
before(async () => void (browser = await launchBrowser()));
after(async () => browser?.close());

test("the page watch reports console errors, uncaught errors, failed requests and unexpected HTTP errors", async () => {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await page.route("**/dropped-on-purpose", (route) => route.abort("connectionrefused"));
  await page.goto(url("/sign-in"));
  await page.evaluate(async () => {
    console.error("something broke");
    setTimeout(() => {
      throw new Error("nobody caught this");
    });
    await fetch("/no-such-page");
    await fetch("/dropped-on-purpose").catch(() => undefined);
    // Not a place the app's Content-Security-Policy lets the page connect to.
    await fetch("http://127.0.0.1:9/").catch(() => undefined);
  });
  await page.waitForTimeout(500);
  const problems = takeProblems().join("\n");
  assert.match(problems, /console error: something broke/);
  assert.match(problems, /uncaught Error: nobody caught this/);
  assert.match(problems, /GET .*\/no-such-page -> HTTP 404/);
  assert.match(problems, /GET .*\/dropped-on-purpose -> net::ERR_CONNECTION_REFUSED/);
  assert.match(problems, /console error: Connecting to 'http:\/\/127\.0\.0\.1:9\/' violates the following Content Security Policy directive/);

  // Announced failures are fine; the rest of the watch keeps watching.
  expectFailures(page, { url: "/no-such-page", status: 404 });
  await page.evaluate(() => fetch("/no-such-page"));
  await page.waitForTimeout(200);
  assert.deepEqual(takeProblems(), []);
});

test("a site without an icon is caught: the browser asks for /favicon.ico and gets 404", async () => {
  // The task API is such a site; opening one of its JSON answers makes Chromium ask for its favicon.
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  expectFailures(page, { url: "/api/me", status: 401 });
  await page.goto(`${API_URL}/api/me`);
  await page.waitForTimeout(1_000);
  assert.match(takeProblems().join("\n"), /Failed to load resource.*\(http:\/\/127\.0\.0\.1:\d+\/favicon\.ico\)/);
});

test("axe fails a page whose date line is grey on white at 3.18:1", async () => {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await signUp(page, newPerson("Gloria Grey"));
  await addTask(page, "Check the contrast");
  // On the element's style (the CSSOM): the app's policy refuses an added <style> without its nonce.
  await page.evaluate(() => document.documentElement.style.setProperty("--color-text-faint", "#8a90a2"));
  await assert.rejects(assertAccessible(page, "tasks, the old grey (expected to fail)"), /serious color-contrast/);
});
