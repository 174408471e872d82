"use client";

import { useCallback, useEffect, useReducer, useRef } from "react";
import type { ApiClient, Count } from "@/lib/api";
import { ApiError, describeApiError } from "@/lib/api-error";
import type { Task, TaskId } from "@/lib/task";
import type { TaskListQuery } from "@/lib/task-list-query";
import { canLoadMore, companionOf, countsOfWholeList, INITIAL_PAGING, listPagingReducer, tabCounts } from "./list-paging";
import { type TaskRowsAction, taskRowsReducer } from "./task-rows";

/**
 * The rows of the view `query` names, a page at a time: the first page on each
 * change of the query (cancelling whatever the previous query still had on its
 * way), then the next page whenever `loadMore` is called. Until the first page
 * comes, the previous rows stay (the tab's filter applies to them at once).
 * Tab counts come from the API's totals: the first page's, and one row of the
 * companion tab's list, asked for after the first page, unless that page was
 * the whole list.
 */
export function useTaskList(api: ApiClient, query: TaskListQuery) {
  const [rows, dispatchRowsNow] = useReducer(taskRowsReducer, []);
  // Tasks added since the current load began: its first page may not hold them, and they stay on top.
  const addedDuringLoad = useRef(new Set<string>());
  const [paging, dispatchPaging] = useReducer(listPagingReducer, INITIAL_PAGING);
  const current = useRef({ generation: 0, controller: new AbortController() });
  const pagingRef = useRef(paging);
  pagingRef.current = paging;
  const { status, search, sort } = query;

  const load = useCallback(() => {
    current.current.controller.abort();
    const generation = current.current.generation + 1;
    const controller = new AbortController();
    current.current = { generation, controller };
    const isCurrent = () => current.current.generation === generation;
    const { signal } = controller;
    addedDuringLoad.current = new Set();
    dispatchPaging({ type: "started", generation });

    void (async () => {
      try {
        const page = await api.listTasks({ status, search, sort }, { signal });
        if (!isCurrent()) return;
        dispatchRowsNow({ type: "loaded", tasks: page.tasks, keep: [...addedDuringLoad.current] });
        dispatchPaging({ type: "first-page", generation, next: page.next });
        const counts = await countsFor(page.tasks, page.total, page.next);
        if (isCurrent() && counts) dispatchPaging({ type: "counted", generation, counts });
      } catch (error) {
        if (isCurrent() && !isQuiet(error)) {
          dispatchPaging({ type: "first-failed", generation, message: describeApiError(error) });
        }
      }
    })();
  }, [api, status, search, sort]);

  /** The tab counts, from the whole list when this page is all of it, else from the companion tab's total. */
  async function countsFor(tasks: Task[], total: Count | null, next: string | null) {
    if (status === "all" && next === null) return countsOfWholeList(tasks);
    if (total === null) return null;
    const companion = await api
      .listTasks({ status: companionOf(status), search, sort, limit: 1 }, { signal: current.current.controller.signal })
      .then((page) => page.total)
      .catch(() => null); // without it the tabs show no numbers; the list itself is unaffected
    return companion === null ? null : tabCounts(status, total, companion);
  }

  useEffect(() => {
    load();
  }, [load]);

  useEffect(() => () => current.current.controller.abort(), []);

  const loadMore = useCallback(async () => {
    const state = pagingRef.current;
    if (!canLoadMore(state) || state.next === null) return;
    const { generation, controller } = current.current;
    dispatchPaging({ type: "more-started", generation });
    // Also marks it in the ref at once, so a second call before React renders asks for nothing.
    pagingRef.current = { ...state, more: { status: "loading" } };
    try {
      const page = await api.listTasks({ status, search, sort, after: state.next }, { signal: controller.signal });
      if (current.current.generation !== generation) return;
      dispatchRowsNow({ type: "appended", tasks: page.tasks });
      dispatchPaging({ type: "more-page", generation, next: page.next });
    } catch (error) {
      if (current.current.generation === generation && !isQuiet(error)) {
        dispatchPaging({ type: "more-failed", generation, message: describeApiError(error) });
      }
    }
  }, [api, status, search, sort]);

  /** Changes to the rows; an added task is remembered, so the first page now loading does not drop it. */
  const dispatchRows = useCallback((action: TaskRowsAction) => {
    if (action.type === "added") addedDuringLoad.current.add(String(action.task.id));
    if (action.type === "saved" && addedDuringLoad.current.has(String(action.id))) {
      addedDuringLoad.current.add(String(action.task.id));
    }
    dispatchRowsNow(action);
  }, []);

  return { rows, dispatchRows, paging, dispatchPaging, reload: load, loadMore };
}

/** Cancelled on purpose, or the session ended (the sign-in page explains): nothing to show. */
function isQuiet(error: unknown): boolean {
  return error instanceof ApiError && (error.kind === "aborted" || error.kind === "session_ended");
}
