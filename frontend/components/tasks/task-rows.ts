import type { Task, TaskChanges, TaskId } from "@/lib/task";

/** A task on screen, and whether a change to it is still on its way to the API. */
export interface TaskRow {
  task: Task;
  saving: boolean;
}

export type TaskRowsAction =
  | { type: "loaded"; tasks: Task[]; keep?: TaskId[] }
  | { type: "appended"; tasks: Task[] }
  | { type: "added"; task: Task }
  | { type: "changed"; id: TaskId; changes: TaskChanges }
  | { type: "saved"; id: TaskId; task: Task }
  | { type: "restored"; task: Task }
  | { type: "removed"; id: TaskId }
  | { type: "reinserted"; task: Task; index: number };

/**
 * The optimistic list: changes show at once (`added`, `changed`, `removed`),
 * then are confirmed with the API's copy (`saved`) or undone (`restored`,
 * `removed`, `reinserted`) when the API refuses. Pages keep the API's order
 * (whatever the sort), and a task never shows twice.
 */
export function taskRowsReducer(rows: TaskRow[], action: TaskRowsAction): TaskRow[] {
  switch (action.type) {
    case "loaded": {
      // The first page replaces the rows of the previous view, except tasks added while it was
      // loading (`keep`), which it may not hold: they stay on top.
      const loadedIds = new Set(action.tasks.map((task) => String(task.id)));
      const keep = new Set((action.keep ?? []).map(String));
      const addedMeanwhile = rows.filter((row) => keep.has(String(row.task.id)) && !loadedIds.has(String(row.task.id)));
      return [...addedMeanwhile, ...action.tasks.map((task) => ({ task, saving: false }))];
    }
    case "appended": {
      // A task added or edited since the earlier pages may come again (it sorts further down now):
      // the row on screen, which may hold an unsaved change, stays where it is.
      const shown = new Set(rows.map((row) => String(row.task.id)));
      const fresh = action.tasks.filter((task) => !shown.has(String(task.id)));
      return fresh.length === 0 ? rows : [...rows, ...fresh.map((task) => ({ task, saving: false }))];
    }
    case "added":
      return [{ task: action.task, saving: true }, ...rows];
    case "changed":
      return rows.map((row) =>
        row.task.id === action.id ? { task: { ...row.task, ...action.changes }, saving: true } : row,
      );
    case "saved":
      return rows.map((row) => (row.task.id === action.id ? { task: action.task, saving: false } : row));
    case "restored":
      return rows.map((row) => (row.task.id === action.task.id ? { task: action.task, saving: false } : row));
    case "removed":
      return rows.filter((row) => row.task.id !== action.id);
    case "reinserted": {
      const index = Math.min(action.index, rows.length);
      return [...rows.slice(0, index), { task: action.task, saving: false }, ...rows.slice(index)];
    }
  }
}
