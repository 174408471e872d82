/**
 * What the task list shows (status tab, search, order) as the address bar keeps
 * it, so a reload or a shared link shows the same view, and as the API asks for it.
 */
import { TASK_FILTERS, type TaskFilter } from "./task";

export const TASK_SORTS = ["newest", "oldest", "title", "updated"] as const;
export type TaskSort = (typeof TASK_SORTS)[number];

export const SORT_LABELS: Record<TaskSort, string> = {
  newest: "Newest first",
  oldest: "Oldest first",
  title: "Title (A–Z)",
  updated: "Recently updated",
};

/** The API's `?ordering=` for each sort; the API breaks ties by id, so pages never overlap. */
const ORDERINGS: Record<TaskSort, string> = {
  newest: "-created_at",
  oldest: "created_at",
  title: "title",
  updated: "-updated_at",
};

/** The API refuses longer searches (400); the box stops there too. */
export const MAX_SEARCH_LENGTH = 200;
/** Tasks per page: about three screens, so scrolling rarely waits. */
export const PAGE_SIZE = 50;

export interface TaskListQuery {
  status: TaskFilter;
  /** Trimmed; empty means no search. */
  search: string;
  sort: TaskSort;
}

export const DEFAULT_QUERY: TaskListQuery = { status: "all", search: "", sort: "newest" };

/** A page request: the view's query, a page size and where to start. */
export interface TaskListRequest {
  status?: TaskFilter;
  search?: string;
  sort?: TaskSort;
  limit?: number;
  /** The previous page's `next` cursor; left out for the first page. */
  after?: string;
}

/** The view the address bar names; anything unknown falls back to the default, so an old or edited link still opens. */
export function parseListQuery(params: URLSearchParams): TaskListQuery {
  const status = params.get("status");
  const sort = params.get("sort");
  return {
    status: isOneOf(TASK_FILTERS, status) ? status : DEFAULT_QUERY.status,
    search: normalizeSearch(params.get("q") ?? ""),
    sort: isOneOf(TASK_SORTS, sort) ? sort : DEFAULT_QUERY.sort,
  };
}

/**
 * `current` with the view's parameters set to `query`; defaults are left out, so the
 * plain list stays `/tasks`, and parameters that are not the list's are kept.
 */
export function withListQuery(current: URLSearchParams, query: TaskListQuery): URLSearchParams {
  const params = new URLSearchParams(current);
  const set = (name: string, value: string, fallback: string) =>
    value === fallback ? params.delete(name) : params.set(name, value);
  set("status", query.status, DEFAULT_QUERY.status);
  set("q", normalizeSearch(query.search), "");
  set("sort", query.sort, DEFAULT_QUERY.sort);
  return params;
}

/** Same view, so the same rows: a new load is needed only when this changes. */
export function sameQuery(a: TaskListQuery, b: TaskListQuery): boolean {
  return a.status === b.status && a.search === b.search && a.sort === b.sort;
}

/** What the search box holds, as searched for: surrounding spaces mean nothing, and the API's limit holds. */
export function normalizeSearch(text: string): string {
  return text.trim().slice(0, MAX_SEARCH_LENGTH);
}

/** The API's query string for a page: keyset paging (`after=`, empty for the first page). */
export function listQueryParams(request: TaskListRequest): URLSearchParams {
  const params = new URLSearchParams({
    status: request.status ?? DEFAULT_QUERY.status,
    ordering: ORDERINGS[request.sort ?? DEFAULT_QUERY.sort],
    limit: String(request.limit ?? PAGE_SIZE),
    after: request.after ?? "",
  });
  const search = normalizeSearch(request.search ?? "");
  if (search) params.set("search", search);
  return params;
}

function isOneOf<T extends string>(values: readonly T[], value: string | null): value is T {
  return value !== null && (values as readonly string[]).includes(value);
}
