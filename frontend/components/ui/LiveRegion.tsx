"use client";

import { useCallback, useState } from "react";

/**
 * One polite status region for a page, and the function that speaks through it.
 * The region is in the page from the start (screen readers ignore regions that
 * arrive together with their text), and the same sentence twice is still said twice.
 */
export function useAnnouncer() {
  const [said, setSaid] = useState({ text: "", count: 0 });
  const announce = useCallback((text: string) => setSaid((previous) => ({ text, count: previous.count + 1 })), []);
  const region = (
    <p className="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
      {said.text}
      {/* A changing invisible tail makes a repeated sentence new text. */}
      {said.count % 2 === 1 ? "\u00a0" : ""}
    </p>
  );
  return { announce, region };
}
