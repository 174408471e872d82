import type { TaskFilter } from "@/lib/task";
import styles from "./ListStates.module.css";

const EMPTY_COPY: Record<TaskFilter, { title: string; hint: string }> = {
  all: { title: "No tasks yet", hint: "Add your first task above. A title is all it takes." },
  pending: { title: "Nothing pending", hint: "Everything on your list is done. Nice work!" },
  completed: { title: "Nothing completed yet", hint: "Tick a task when it's done and it will show up here." },
};

/** What the list shows when the chosen filter (and search, if any) matches no task. */
export function EmptyState({ filter, search = "" }: { filter: TaskFilter; search?: string }) {
  const copy = search
    ? { title: `No tasks match “${search}”`, hint: "Try another word, or clear the search to see every task." }
    : EMPTY_COPY[filter];
  return (
    <div className={styles.state} data-testid="empty-state">
      <svg className={styles.illustration} viewBox="0 0 48 48" aria-hidden="true">
        <rect x="8" y="6" width="32" height="38" rx="6" fill="var(--color-primary-soft)" />
        <path d="M16 18h16M16 26h16M16 34h9" stroke="var(--color-primary)" strokeWidth="2.5" strokeLinecap="round" />
      </svg>
      <p className={styles.title}>{copy.title}</p>
      <p className={styles.hint}>{copy.hint}</p>
    </div>
  );
}

/** Placeholder rows while the list loads. */
export function LoadingRows() {
  return (
    <div className={styles.loading} role="status" data-testid="tasks-loading">
      <span className="visually-hidden">Loading your tasks…</span>
      {[0, 1, 2].map((row) => (
        <div key={row} className={styles.skeletonRow} aria-hidden="true">
          <span className={styles.skeletonCheck} />
          <span className={styles.skeletonLines}>
            <span className={`${styles.skeletonLine} ${styles.skeletonFirst}`} />
            <span className={`${styles.skeletonLine} ${styles.skeletonShort}`} />
          </span>
        </div>
      ))}
    </div>
  );
}

/** The list could not be fetched: say why and offer to try again. */
export function LoadFailed({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div className={styles.state} role="alert">
      <p className={styles.title}>Couldn&apos;t load your tasks</p>
      <p className={styles.hint}>{message}</p>
      <button type="button" className={`button button-secondary ${styles.retry}`} onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
