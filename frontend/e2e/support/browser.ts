import { chromium, type Browser, type BrowserContext, type LaunchOptions } from "playwright-core";

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

/** A headless Chromium; Playwright gives each launch a fresh temporary user-data-dir. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch(LAUNCH_OPTIONS);
}

/** A Chromium whose profile lives in `userDataDir`, to close and reopen like a person's browser. */
export function launchProfile(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { ...LAUNCH_OPTIONS, viewport: VIEWPORT });
}
