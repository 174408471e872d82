"use client";

import { useCallback, useEffect, useReducer, useRef } from "react";
import type { ApiClient } from "@/lib/api";
import { ApiError, describeApiError } from "@/lib/api-error";
import type { TaskListQuery } from "@/lib/task-list-query";
import { canLoadMore, companionOf, INITIAL_PAGING, listPagingReducer, tabCounts } from "./list-paging";
import { taskRowsReducer } from "./task-rows";

/**
 * The rows of the view `query` names, a page at a time: the first page on each
 * change of the query (cancelling whatever the previous query still had on its
 * way), then the next page whenever `loadMore` is called. Tab counts come from
 * the API's totals: the first page's, and one row of the companion tab's list.
 */
export function useTaskList(api: ApiClient, query: TaskListQuery) {
  const [rows, dispatchRows] = useReducer(taskRowsReducer, []);
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
    dispatchRows({ type: "reset" });
    dispatchPaging({ type: "started", generation });

    const companion = api
      .listTasks({ status: companionOf(status), search, sort, limit: 1 }, { signal })
      .then((page) => page.total)
      .catch(() => null); // without it the tabs show no numbers; the list itself is unaffected
    void (async () => {
      try {
        const page = await api.listTasks({ status, search, sort }, { signal });
        if (!isCurrent()) return;
        dispatchRows({ type: "loaded", tasks: page.tasks });
        dispatchPaging({ type: "first-page", generation, next: page.next });
        const companionTotal = await companion;
        if (isCurrent() && page.total !== null && companionTotal !== null) {
          dispatchPaging({ type: "counted", generation, counts: tabCounts(status, page.total, companionTotal) });
        }
      } catch (error) {
        if (isCurrent() && !isQuiet(error)) {
          dispatchPaging({ type: "first-failed", generation, message: describeApiError(error) });
        }
      }
    })();
  }, [api, status, search, sort]);

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
      dispatchRows({ type: "appended", tasks: page.tasks });
      dispatchPaging({ type: "more-page", generation, next: page.next });
    } catch (error) {
      if (current.current.generation === generation && !isQuiet(error)) {
        dispatchPaging({ type: "more-failed", generation, message: describeApiError(error) });
      }
    }
  }, [api, status, search, sort]);

  return { rows, dispatchRows, paging, dispatchPaging, reload: load, loadMore };
}

/** Cancelled on purpose, or the session ended (the sign-in page explains): nothing to show. */
function isQuiet(error: unknown): boolean {
  return error instanceof ApiError && (error.kind === "aborted" || error.kind === "session_ended");
}
