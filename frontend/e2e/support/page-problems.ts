/**
 * Every page a scenario opens is watched, and the test that was running fails
 * on any console error, uncaught exception, failed request or HTTP error
 * (400 and up) that it did not announce with `expectFailures`.
 */
import { afterEach } from "node:test";
import type { BrowserContext, Page, Request } from "playwright-core";

/** A failure a scenario causes on purpose: an HTTP status, or a request the network drops. */
export interface ExpectedFailure {
  /** A path (compared with the URL's path) or a pattern for the whole URL. */
  url: string | RegExp;
  method?: string;
  status?: number;
  /** Chromium's error text for a dropped request, e.g. `net::ERR_INTERNET_DISCONNECTED`. */
  failure?: string;
}

interface Observed {
  page: string;
  url: string;
  method: string;
  status?: number;
  failure?: string;
  /** For an aborted request: whether the page moving to another document abandoned it. */
  leftBehind?: () => boolean;
}

/** How far apart an abort and the arrival of the next document may be reported. */
const NAVIGATION_GRACE_MS = 1_500;

interface Watch {
  expected: ExpectedFailure[];
  observed: Observed[];
  /** "Failed to load resource" lines: fine when they are the echo of an expected failure. */
  failedResources: { page: string; url: string; text: string }[];
  problems: string[];
}

const watches = new WeakMap<BrowserContext, Watch>();
/** Every watch of this scenario file; a context may outlive the test that opened it. */
const active = new Set<Watch>();

/** Watches every page the context has or will open. */
export function watchContext(context: BrowserContext): BrowserContext {
  if (watches.has(context)) return context;
  const watch: Watch = { expected: [], observed: [], failedResources: [], problems: [] };
  watches.set(context, watch);
  active.add(watch);
  for (const page of context.pages()) watchPage(page, watch);
  context.on("page", (page) => watchPage(page, watch));
  return context;
}

/** Tells the watch that the scenario makes these fail on purpose (a refused sign-in, a dropped request…). */
export function expectFailures(target: Page | BrowserContext, ...expected: ExpectedFailure[]): void {
  const context = "context" in target ? target.context() : target;
  const watch = watches.get(context);
  if (!watch) throw new Error("This context is not watched: open it with the browser from support/browser.ts.");
  watch.expected.push(...expected);
}

function watchPage(page: Page, watch: Watch): void {
  const where = () => new URL(page.url()).pathname || page.url();
  // Requests a document still had open when the page moved on to another are not failures: their
  // abort comes with the new document's arrival, just before or after it, so this is settled when the test ends.
  const arrivals: number[] = [];
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) arrivals.push(Date.now());
  });
  page.on("pageerror", (error) => watch.problems.push(`${where()}: uncaught ${error.name}: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    if (text.startsWith("Failed to load resource")) {
      watch.failedResources.push({ page: where(), url: message.location().url, text });
    } else {
      watch.problems.push(`${where()}: console error: ${text}`);
    }
  });
  page.on("requestfailed", (request) => {
    const failure = request.failure()?.errorText ?? "unknown";
    if (page.isClosed() || (failure === "net::ERR_ABORTED" && (isRouterFetch(request) || isSupersededList(request)))) {
      return;
    }
    const observed: Observed = { page: where(), url: request.url(), method: request.method(), failure };
    if (failure === "net::ERR_ABORTED") {
      const abortedAt = Date.now();
      observed.leftBehind = () => arrivals.some((time) => Math.abs(time - abortedAt) <= NAVIGATION_GRACE_MS);
    }
    watch.observed.push(observed);
  });
  page.on("response", (response) => {
    if (response.status() < 400) return;
    const request = response.request();
    watch.observed.push({ page: where(), url: response.url(), method: request.method(), status: response.status() });
  });
}

/**
 * A page of the task list cancelled by the app itself: a new search, sort or tab
 * supersedes the view it was for (components/tasks/use-task-list.ts).
 */
function isSupersededList(request: Request): boolean {
  return request.method() === "GET" && /\/api\/[^/]+\/tasks\?/.test(request.url());
}

/**
 * Next.js's router fetching a page's server components (`?_rsc=`): it cancels
 * prefetches it no longer needs, which is its business, not a failure.
 */
function isRouterFetch(request: Request): boolean {
  return new URL(request.url()).searchParams.has("_rsc") || request.headers()["rsc"] === "1";
}

function matches(expected: ExpectedFailure, observed: Observed): boolean {
  const url = new URL(observed.url);
  const urlMatches =
    typeof expected.url === "string" ? url.pathname === expected.url || observed.url === expected.url : expected.url.test(observed.url);
  return (
    urlMatches &&
    (expected.method === undefined || expected.method === observed.method) &&
    (expected.status === undefined || expected.status === observed.status) &&
    (expected.failure === undefined || expected.failure === observed.failure) &&
    (expected.status !== undefined || expected.failure !== undefined)
  );
}

/** Everything the watched pages did wrong since the last call, and a fresh start for the next test. */
export function takeProblems(): string[] {
  const problems: string[] = [];
  for (const watch of active) {
    const excused = new Set<string>();
    for (const observed of watch.observed) {
      const what = observed.status === undefined ? observed.failure : `HTTP ${observed.status}`;
      if (observed.leftBehind?.()) continue;
      if (watch.expected.some((expected) => matches(expected, observed))) excused.add(observed.url);
      else problems.push(`${observed.page}: ${observed.method} ${observed.url} -> ${what}`);
    }
    for (const line of watch.failedResources) {
      // Chromium echoes each failed load in the console; an echo of nothing seen on the network
      // (the browser's own favicon request, say) is a problem of its own.
      if (!excused.has(line.url) && !watch.observed.some((observed) => observed.url === line.url)) {
        problems.push(`${line.page}: console error: ${line.text} (${line.url})`);
      }
    }
    problems.push(...watch.problems);
    watch.observed = [];
    watch.failedResources = [];
    watch.problems = [];
    watch.expected = [];
  }
  return problems;
}

// Registered once per scenario file (each runs in its own process), for every test in it.
afterEach(() => {
  const problems = takeProblems();
  if (problems.length > 0) throw new Error(`The pages reported problems:\n  ${problems.join("\n  ")}`);
});
