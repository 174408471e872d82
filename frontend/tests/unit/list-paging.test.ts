import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  canLoadMore,
  companionOf,
  countsAfter,
  formatCount,
  INITIAL_PAGING,
  type ListPaging,
  type ListPagingAction,
  listPagingReducer,
  summaryOf,
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

  test("a total the API stopped counting stays a lower bound, and what it leaves unknown stays unknown", () => {
    const many = { moreThan: 1000 };
    assert.deepEqual(tabCounts("all", many, 400), { all: many, pending: 400, completed: { moreThan: 600 } });
    assert.deepEqual(tabCounts("all", many, many), { all: many, pending: many, completed: null });
    assert.deepEqual(tabCounts("pending", 300, many), { all: many, pending: 300, completed: { moreThan: 700 } });
    assert.deepEqual(tabCounts("pending", many, many), { all: many, pending: many, completed: null });
    assert.deepEqual(tabCounts("completed", 1000, many), { all: many, pending: null, completed: 1000 });
    assert.deepEqual(tabCounts("all", 900, many), { all: 900, pending: many, completed: null });
  });

  test("a lower bound follows confirmed writes too; an unknown count stays unknown", () => {
    const counts = { all: { moreThan: 1000 }, pending: { moreThan: 1000 }, completed: null };
    assert.deepEqual(countsAfter(counts, null, task(false)), {
      all: { moreThan: 1001 },
      pending: { moreThan: 1001 },
      completed: null,
    });
    assert.deepEqual(countsAfter(counts, task(false), null), {
      all: { moreThan: 999 },
      pending: { moreThan: 999 },
      completed: null,
    });
    assert.deepEqual(countsAfter({ all: { moreThan: 1 }, pending: 0, completed: { moreThan: 1 } }, task(true), null), {
      all: null,
      pending: 0,
      completed: null,
    });
  });

  test("read as numbers, a lower bound with a plus", () => {
    assert.deepEqual([formatCount(0), formatCount(999), formatCount({ moreThan: 1000 })], ["0", "999", "1000+"]);
  });

  test("summed up above the list: matches of a search, else pending and completed", () => {
    const many = { moreThan: 1000 };
    assert.equal(summaryOf({ all: many, pending: many, completed: null }, "task"), "1000+ tasks match “task”");
    assert.equal(summaryOf({ all: 1, pending: 1, completed: 0 }, "milk"), "1 task matches “milk”");
    assert.equal(summaryOf({ all: 2, pending: 1, completed: 1 }, "milk"), "2 tasks match “milk”");
    assert.equal(summaryOf({ all: 0, pending: 0, completed: 0 }, ""), "Nothing on your list yet.");
    assert.equal(summaryOf({ all: 2000, pending: 1500, completed: 500 }, ""), "1500 pending · 500 completed");
    assert.equal(summaryOf({ all: many, pending: many, completed: null }, ""), null);
  });

  test("a write before the counts are known leaves them unknown", () => {
    const state = run({ type: "started", generation: 1 }, { type: "task-changed", before: null, after: task(false) });
    assert.equal(state.counts, null);
  });
});
