import { chromium, type Browser, type BrowserContext, type LaunchOptions } from "playwright-core";
import { watchContext } from "./page-problems";

/** Debian's chromium package; no browser is ever downloaded. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const LAUNCH_OPTIONS: LaunchOptions = {
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  timeout: 30_000,
};

export const VIEWPORT = { width: 1200, height: 820 };
/** A phone held upright, for the checks that must hold on small screens too. */
export const PHONE_VIEWPORT = { width: 390, height: 844 };

/**
 * A headless Chromium; Playwright gives each launch a fresh temporary user-data-dir.
 * Every context it opens (and so every page) is watched for errors (support/page-problems.ts).
 */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch(LAUNCH_OPTIONS);
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => watchContext(await newContext(options));
  return browser;
}

/** A Chromium whose profile lives in `userDataDir`, to close and reopen like a person's browser. */
export async function launchProfile(userDataDir: string): Promise<BrowserContext> {
  return watchContext(await chromium.launchPersistentContext(userDataDir, { ...LAUNCH_OPTIONS, viewport: VIEWPORT }));
}
