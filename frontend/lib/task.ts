/** A task as the API returns it (docs/api.md, "The task"). */
export interface Task {
  id: TaskId;
  user_id: string;
  title: string;
  description: string;
  completed: boolean;
  created_at: string;
  updated_at: string;
}

export type TaskId = number | string;

/**
 * The API's ETag for this copy of the task (docs/operations.md, "Lost updates"). Sent as
 * If-Match, a write made from a stale copy is refused with 412 instead of
 * silently overwriting what another tab saved.
 */
export function taskVersion(task: Pick<Task, "id" | "updated_at">): string {
  return `"${task.id}:${task.updated_at}"`;
}

export interface NewTask {
  title: string;
  description?: string;
}

export type TaskChanges = Partial<Pick<Task, "title" | "description" | "completed">>;

export const TASK_FILTERS = ["all", "pending", "completed"] as const;
export type TaskFilter = (typeof TASK_FILTERS)[number];

export function matchesFilter(task: Task, filter: TaskFilter): boolean {
  if (filter === "all") return true;
  return filter === "completed" ? task.completed : !task.completed;
}
