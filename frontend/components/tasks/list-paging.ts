import type { Count } from "@/lib/api";
import { matchesFilter, TASK_FILTERS, type Task, type TaskFilter } from "@/lib/task";

/** Each tab's count: exact, a lower bound (a search the API stopped counting), or null when not known. */
export type TabCounts = Record<TaskFilter, Count | null>;

/**
 * Where the list's loading stands: the first page, the pages after it, and the
 * tab counts. Every load has a generation; an answer for an older one (a search
 * the person has since changed) is ignored, so a slow stale reply never
 * overwrites a newer one.
 */
export interface ListPaging {
  generation: number;
  first: { status: "loading" } | { status: "ready" } | { status: "failed"; message: string };
  /** The next page's cursor; null once the last page is in. */
  next: string | null;
  more: { status: "idle" } | { status: "loading" } | { status: "failed"; message: string };
  /** From the API's totals, not from the rows loaded; null until known. */
  counts: TabCounts | null;
}

export type ListPagingAction =
  | { type: "started"; generation: number }
  | { type: "first-page"; generation: number; next: string | null }
  | { type: "counted"; generation: number; counts: TabCounts }
  | { type: "first-failed"; generation: number; message: string }
  | { type: "more-started"; generation: number }
  | { type: "more-page"; generation: number; next: string | null }
  | { type: "more-failed"; generation: number; message: string }
  | { type: "task-changed"; before: Task | null; after: Task | null };

export const INITIAL_PAGING: ListPaging = {
  generation: 0,
  first: { status: "loading" },
  next: null,
  more: { status: "idle" },
  counts: null,
};

export function listPagingReducer(state: ListPaging, action: ListPagingAction): ListPaging {
  if (action.type === "started") {
    return { ...INITIAL_PAGING, generation: action.generation };
  }
  if (action.type === "task-changed") {
    return state.counts ? { ...state, counts: countsAfter(state.counts, action.before, action.after) } : state;
  }
  if (action.generation !== state.generation) return state;
  switch (action.type) {
    case "first-page":
      return { ...state, first: { status: "ready" }, next: action.next };
    case "counted":
      return { ...state, counts: action.counts };
    case "first-failed":
      return { ...state, first: { status: "failed", message: action.message } };
    case "more-started":
      return { ...state, more: { status: "loading" } };
    case "more-page":
      return { ...state, next: action.next, more: { status: "idle" } };
    case "more-failed":
      return { ...state, more: { status: "failed", message: action.message } };
  }
}

/** Whether another page can be asked for now: the first is in, there is a next, and none is on its way. */
export function canLoadMore(state: ListPaging): boolean {
  return state.first.status === "ready" && state.next !== null && state.more.status !== "loading";
}

/**
 * The list's answer gives the total of the tab shown; a second list's total, the
 * companion's, gives the other two: all = pending + completed.
 */
export function companionOf(status: TaskFilter): TaskFilter {
  return status === "all" ? "pending" : "all";
}

export function tabCounts(status: TaskFilter, total: Count, companionTotal: Count): TabCounts {
  if (status === "all") return { all: total, pending: companionTotal, completed: rest(total, companionTotal) };
  if (status === "pending") return { all: companionTotal, pending: total, completed: rest(companionTotal, total) };
  return { all: companionTotal, pending: rest(companionTotal, total), completed: total };
}

/**
 * all − part. More than n, less an exact part, is more than n − part; less a part only known
 * to be more than some number, it could be anything down to 0: unknown.
 */
function rest(all: Count, part: Count): Count | null {
  if (typeof part !== "number") return null;
  if (typeof all === "number") return Math.max(0, all - part); // two snapshots may disagree by a write
  return moreThan(all.moreThan - part);
}

/** "More than n", or unknown once n is no longer above 0 (it says nothing a count would not). */
function moreThan(n: number): Count | null {
  return n > 0 ? { moreThan: n } : null;
}

/** A count as the page shows it: `120`, or `1000+` for more than 1000. */
export function formatCount(count: Count): string {
  return typeof count === "number" ? String(count) : `${count.moreThan}+`;
}

/** The line above the list: how many tasks match a search, else how many are pending and completed; null if unknown. */
export function summaryOf(counts: TabCounts, search: string): string | null {
  const { all, pending, completed } = counts;
  if (search) {
    if (all === null) return null;
    return `${formatCount(all)} ${all === 1 ? "task matches" : "tasks match"} “${search}”`;
  }
  if (all === 0) return "Nothing on your list yet.";
  if (pending === null || completed === null) return null;
  return `${formatCount(pending)} pending · ${formatCount(completed)} completed`;
}

/** The counts of a list whose every task is at hand (its one page was the last). */
export function countsOfWholeList(tasks: Task[]): TabCounts {
  const counts = { all: 0, pending: 0, completed: 0 };
  for (const task of tasks) for (const filter of TASK_FILTERS) if (matchesFilter(task, filter)) counts[filter] += 1;
  return counts;
}

/** The counts once `before` became `after` (null: the task did not exist, or no longer does). */
export function countsAfter(counts: TabCounts, before: Task | null, after: Task | null): TabCounts {
  const next = { ...counts };
  const within = (task: Task | null, filter: TaskFilter) => (task && matchesFilter(task, filter) ? 1 : 0);
  for (const filter of TASK_FILTERS) next[filter] = shifted(next[filter], within(after, filter) - within(before, filter));
  return next;
}

/** A count moved by a write; a lower bound moves with it (more than 1000, less one, is more than 999). */
function shifted(count: Count | null, change: number): Count | null {
  if (count === null || change === 0) return count;
  return typeof count === "number" ? Math.max(0, count + change) : moreThan(count.moreThan + change);
}
