import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  canLoadMore,
  companionOf,
  countsAfter,
  INITIAL_PAGING,
  type ListPaging,
  type ListPagingAction,
  listPagingReducer,
  tabCounts,
} from "@/components/tasks/list-paging";
import type { Task } from "@/lib/task";

const run = (...actions: ListPagingAction[]): ListPaging => actions.reduce(listPagingReducer, INITIAL_PAGING);

function task(completed: boolean): Task {
  const at = "2026-01-01T10:00:00Z";
  return { id: 1, user_id: "alice", title: "Milk", description: "", completed, created_at: at, updated_at: at };
}

describe("list paging", () => {
  test("the first page makes the list ready, with the cursor of the next", () => {
    const state = run({ type: "started", generation: 1 }, { type: "first-page", generation: 1, next: "c1" });
    assert.deepEqual([state.first.status, state.next, canLoadMore(state)], ["ready", "c1", true]);
  });

  test("a reply for an earlier search never overwrites the newer one's", () => {
    const state = run(
      { type: "started", generation: 1 },
      { type: "started", generation: 2 },
      { type: "first-page", generation: 2, next: null },
      { type: "first-page", generation: 1, next: "stale" },
      { type: "first-failed", generation: 1, message: "stale failure" },
      { type: "counted", generation: 1, counts: { all: 9, pending: 9, completed: 0 } },
    );
    assert.deepEqual([state.generation, state.first.status, state.next, state.counts], [2, "ready", null, null]);
  });

  test("one page at a time, and none after the last", () => {
    let state = run({ type: "started", generation: 1 }, { type: "first-page", generation: 1, next: "c1" });
    state = listPagingReducer(state, { type: "more-started", generation: 1 });
    assert.equal(canLoadMore(state), false);
    state = listPagingReducer(state, { type: "more-page", generation: 1, next: null });
    assert.deepEqual([state.more.status, canLoadMore(state)], ["idle", false]);
  });

  test("a later page that fails keeps the list ready and can be tried again", () => {
    const state = run(
      { type: "started", generation: 1 },
      { type: "first-page", generation: 1, next: "c1" },
      { type: "more-started", generation: 1 },
      { type: "more-failed", generation: 1, message: "Can't reach the task service." },
    );
    assert.deepEqual([state.first.status, state.more, state.next], [
      "ready",
      { status: "failed", message: "Can't reach the task service." },
      "c1",
    ]);
    assert.equal(canLoadMore(state), true);
  });

  test("a new search starts over: no counts, no cursor, loading", () => {
    const before = run(
      { type: "started", generation: 1 },
      { type: "first-page", generation: 1, next: "c1" },
      { type: "counted", generation: 1, counts: { all: 3, pending: 2, completed: 1 } },
    );
    const state = listPagingReducer(before, { type: "started", generation: 2 });
    assert.deepEqual([state.first.status, state.next, state.counts, canLoadMore(state)], ["loading", null, null, false]);
  });
});

describe("tab counts", () => {
  test("come from the shown tab's total and its companion's: all = pending + completed", () => {
    assert.deepEqual([companionOf("all"), companionOf("pending"), companionOf("completed")], ["pending", "all", "all"]);
    assert.deepEqual(tabCounts("all", 2000, 1500), { all: 2000, pending: 1500, completed: 500 });
    assert.deepEqual(tabCounts("pending", 1500, 2000), { all: 2000, pending: 1500, completed: 500 });
    assert.deepEqual(tabCounts("completed", 500, 2000), { all: 2000, pending: 1500, completed: 500 });
  });

  test("follow confirmed writes: add, complete, delete", () => {
    const counts = { all: 3, pending: 2, completed: 1 };
    assert.deepEqual(countsAfter(counts, null, task(false)), { all: 4, pending: 3, completed: 1 });
    assert.deepEqual(countsAfter(counts, task(false), task(true)), { all: 3, pending: 1, completed: 2 });
    assert.deepEqual(countsAfter(counts, task(true), null), { all: 2, pending: 2, completed: 0 });
  });

  test("a write before the counts are known leaves them unknown", () => {
    const state = run({ type: "started", generation: 1 }, { type: "task-changed", before: null, after: task(false) });
    assert.equal(state.counts, null);
  });
});
