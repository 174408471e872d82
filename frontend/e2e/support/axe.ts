/**
 * axe-core, from npm, injected into the page and run against WCAG 2.0, 2.1 and
 * 2.2 at levels A and AA. A serious or critical violation fails the check;
 * every result lands in test-artifacts/axe/ for a person to read.
 */
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Page } from "playwright-core";
import { ARTIFACTS_DIR } from "./env";

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
const BLOCKING = new Set(["serious", "critical"]);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const resultsDir = path.join(ARTIFACTS_DIR, "axe");

interface AxeNode {
  target: unknown[];
  failureSummary?: string;
}
interface AxeRule {
  id: string;
  impact: string | null;
  help: string;
  nodes: AxeNode[];
}
interface AxeResults {
  violations: AxeRule[];
  passes: AxeRule[];
  incomplete: AxeRule[];
}

export interface AxeSummary {
  state: string;
  width: number;
  passes: number;
  violations: { id: string; impact: string | null; nodes: number }[];
  incomplete: number;
}

/** Runs axe on the page as it is now; `state` names it in the report ("tasks, editing"). */
export async function assertAccessible(page: Page, state: string): Promise<AxeSummary> {
  // Evaluated, not added as a <script>: the app's Content-Security-Policy refuses inline scripts
  // without its nonce, and Playwright's own evaluation is not subject to the page's policy.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const results = await page.evaluate(
    (tags) =>
      (window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } }).axe.run(document, {
        runOnly: { type: "tag", values: tags },
        resultTypes: ["violations"],
      }),
    WCAG_TAGS,
  ) as AxeResults;

  const width = page.viewportSize()?.width ?? 0;
  const summary: AxeSummary = {
    state,
    width,
    passes: results.passes.length,
    violations: results.violations.map((rule) => ({ id: rule.id, impact: rule.impact, nodes: rule.nodes.length })),
    incomplete: results.incomplete.length,
  };
  record(summary, results);

  const blocking = results.violations
    .filter((rule) => BLOCKING.has(rule.impact ?? ""))
    .map((rule) => `${rule.impact} ${rule.id} (${rule.help}): ${rule.nodes.map((node) => `${node.target.join(" ")} — ${node.failureSummary ?? ""}`).join("; ")}`);
  assert.deepEqual(blocking, [], `axe on "${state}" at ${width} px`);
  return summary;
}

function record(summary: AxeSummary, results: AxeResults): void {
  mkdirSync(resultsDir, { recursive: true });
  const slug = `${summary.state}-${summary.width}`.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  writeFileSync(path.join(resultsDir, `${slug}.json`), JSON.stringify(results.violations, null, 2));
  const found = summary.violations.map((rule) => `${rule.impact} ${rule.id} ×${rule.nodes}`).join(", ") || "none";
  const line = `${summary.state} @ ${summary.width}px: ${summary.passes} rules passed, ${summary.incomplete} to review by hand, violations: ${found}`;
  appendFileSync(path.join(resultsDir, "summary.txt"), `${line}\n`);
  console.log(`axe: ${line}`);
}
