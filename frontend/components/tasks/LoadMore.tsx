"use client";

import { useEffect, useRef, useState } from "react";
import type { ListPaging } from "./list-paging";
import styles from "./LoadMore.module.css";

/** Pages are asked for this far before the end comes into view, so scrolling seldom waits. */
const AHEAD = "800px";

interface LoadMoreProps {
  paging: ListPaging;
  onLoadMore: () => void;
}

/**
 * The end of the loaded list: the next page comes when it scrolls into view, or
 * with the button (for the keyboard, or where scrolling does not reach it); a
 * page that failed says so and offers a retry, keeping the rows already shown.
 */
export function LoadMore({ paging, onLoadMore }: LoadMoreProps) {
  const sentinel = useRef<HTMLDivElement>(null);
  const [inView, setInView] = useState(false);
  const hasMore = paging.next !== null;
  const idle = paging.more.status === "idle";

  useEffect(() => {
    const element = sentinel.current;
    if (!element || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => setInView(entries.some((entry) => entry.isIntersecting)), {
      rootMargin: `0px 0px ${AHEAD} 0px`,
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasMore]);

  // Also after each page: if the end is still in view (a tall window), the next one follows.
  useEffect(() => {
    if (inView && hasMore && idle) onLoadMore();
  }, [inView, hasMore, idle, paging.next, onLoadMore]);

  if (!hasMore) return null;
  return (
    <div className={styles.more} ref={sentinel} data-testid="load-more">
      {paging.more.status === "failed" ? (
        <div className={styles.failed} role="alert">
          <span>Couldn&apos;t load more tasks. {paging.more.message}</span>
          <button type="button" className="button button-secondary" onClick={onLoadMore}>
            Retry
          </button>
        </div>
      ) : (
        // Never disabled: a keyboard user's focus stays on it while the page loads (a second press asks nothing).
        <button
          type="button"
          className="button button-secondary"
          onClick={onLoadMore}
          aria-disabled={paging.more.status === "loading"}
        >
          {paging.more.status === "loading" ? (
            <>
              <span className="spinner" aria-hidden="true" /> Loading more…
            </>
          ) : (
            "Load more tasks"
          )}
        </button>
      )}
    </div>
  );
}

