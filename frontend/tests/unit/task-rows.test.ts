import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { taskRowsReducer, type TaskRow } from "@/components/tasks/task-rows";
import type { Task } from "@/lib/task";

function task(id: number, overrides: Partial<Task> = {}): Task {
  return {
    id,
    user_id: "alice",
    title: `Task ${id}`,
    description: "",
    completed: false,
    created_at: `2026-01-0${id}T10:00:00Z`,
    updated_at: `2026-01-0${id}T10:00:00Z`,
    ...overrides,
  };
}

const ids = (rows: TaskRow[]) => rows.map((row) => row.task.id);

describe("task rows", () => {
  test("keeps the API's order, whatever the sort", () => {
    assert.deepEqual(ids(taskRowsReducer([], { type: "loaded", tasks: [task(1), task(3), task(2)] })), [1, 3, 2]);
  });

  test("a later page is added below, and a task already shown is not shown twice", () => {
    let rows = taskRowsReducer([], { type: "loaded", tasks: [task(5), task(4)] });
    rows = taskRowsReducer(rows, { type: "changed", id: 4, changes: { title: "Renamed" } });
    // Task 4 was edited meanwhile and now sorts further down: it comes again on the next page.
    rows = taskRowsReducer(rows, { type: "appended", tasks: [task(3), task(4), task(2)] });
    assert.deepEqual(ids(rows), [5, 4, 3, 2]);
    assert.equal(rows[1]?.task.title, "Renamed");
  });

  test("a new view's first page replaces the previous one's rows: none of the previous search stays", () => {
    let rows = taskRowsReducer([], { type: "loaded", tasks: [task(1), task(2)] });
    rows = taskRowsReducer(rows, { type: "loaded", tasks: [task(3)] });
    assert.deepEqual(ids(rows), [3]);
  });

  test("a task added while the list was loading survives the list's arrival", () => {
    let rows = taskRowsReducer([], { type: "added", task: task(9, { id: "pending-1" }) });
    rows = taskRowsReducer(rows, { type: "loaded", tasks: [task(1)], keep: ["pending-1"] });
    assert.deepEqual(ids(rows), ["pending-1", 1]);
    rows = taskRowsReducer(rows, { type: "saved", id: "pending-1", task: task(4) });
    assert.deepEqual(ids(taskRowsReducer(rows, { type: "loaded", tasks: [task(4), task(1)], keep: [4] })), [4, 1]);
  });

  test("an optimistic change shows at once and is marked as saving", () => {
    const rows = taskRowsReducer([], { type: "loaded", tasks: [task(1)] });
    const [row] = taskRowsReducer(rows, { type: "changed", id: 1, changes: { completed: true } });
    assert.deepEqual([row?.task.completed, row?.saving], [true, true]);
  });

  test("the API's answer replaces the optimistic copy, including a placeholder id", () => {
    const rows = taskRowsReducer([], { type: "added", task: task(9, { id: "pending-1" }) });
    const [row] = taskRowsReducer(rows, { type: "saved", id: "pending-1", task: task(4) });
    assert.deepEqual([row?.task.id, row?.saving], [4, false]);
  });

  test("a refused change is rolled back to the task as it was", () => {
    const original = task(1);
    let rows = taskRowsReducer([], { type: "loaded", tasks: [original] });
    rows = taskRowsReducer(rows, { type: "changed", id: 1, changes: { title: "Renamed" } });
    rows = taskRowsReducer(rows, { type: "restored", task: original });
    assert.deepEqual(rows, [{ task: original, saving: false }]);
  });

  test("a refused delete puts the task back where it was", () => {
    let rows = taskRowsReducer([], { type: "loaded", tasks: [task(3), task(2), task(1)] });
    rows = taskRowsReducer(rows, { type: "removed", id: 2 });
    assert.deepEqual(ids(rows), [3, 1]);
    rows = taskRowsReducer(rows, { type: "reinserted", task: task(2), index: 1 });
    assert.deepEqual(ids(rows), [3, 2, 1]);
  });
});
