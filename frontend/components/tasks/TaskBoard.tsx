"use client";

import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Alert } from "@/components/ui/Alert";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { useAnnouncer } from "@/components/ui/LiveRegion";
import type { ApiClient } from "@/lib/api";
import { ApiError, describeApiError } from "@/lib/api-error";
import { draftKey, readDraft, removeDraft } from "@/lib/drafts";
import { matchesFilter, type Task, type TaskFilter, type TaskId, taskVersion } from "@/lib/task";
import { parseListQuery, sameQuery, type TaskListQuery, type TaskSort, withListQuery } from "@/lib/task-list-query";
import { useSessionDraft } from "@/lib/use-session-draft";
import { FilterTabs } from "./FilterTabs";
import { summaryOf } from "./list-paging";
import { ListControls } from "./ListControls";
import { EmptyState, LoadFailed, LoadingRows } from "./ListStates";
import { LoadMore } from "./LoadMore";
import { NewTaskForm } from "./NewTaskForm";
import type { TaskInput } from "./use-task-fields";
import { editDraftKey, TaskItem } from "./TaskItem";
import styles from "./TaskBoard.module.css";
import { useTaskList } from "./use-task-list";

interface TaskBoardProps {
  api: ApiClient;
  userId: string;
}

/** A failed change, told to the person, with a retry when trying again can help. */
interface Notice {
  /** A new id for every notice, so a second failure is focused and announced like the first. */
  id: number;
  message: string;
  retry?: () => void;
}

const EMPTY_INPUT: TaskInput = { title: "", description: "" };
let placeholderCount = 0;
let noticeCount = 0;

/** The task list and everything done to it: load, add, edit, complete, delete, filter, search, sort. */
export function TaskBoard({ api, userId }: TaskBoardProps) {
  const searchParams = useSearchParams();
  const addressQuery = useMemo(() => parseListQuery(new URLSearchParams(searchParams.toString())), [searchParams]);
  // Changed here at once (a tab filters the rows on screen at the click); Back and Forward change the address.
  const [query, setQuery] = useState(addressQuery);
  useEffect(() => setQuery((shown) => (sameQuery(shown, addressQuery) ? shown : addressQuery)), [addressQuery]);
  const { rows, dispatchRows: dispatch, paging, dispatchPaging, reload: loadTasks, loadMore } = useTaskList(api, query);
  const filter = query.status;
  const [notice, setNotice] = useState<Notice | null>(null);
  const [creating, setCreating] = useState(false);
  const [taskToDelete, setTaskToDelete] = useState<Task | null>(null);
  const newTaskKey = draftKey(userId, "new-task");
  const newTask = useSessionDraft(newTaskKey, EMPTY_INPUT);
  const { announce, region } = useAnnouncer();
  const listRef = useRef<HTMLElement>(null);
  const focusAfterRender = usePendingFocus();

  /**
   * Shows another view of the list by changing the address, which the list follows. The native
   * history calls update Next's router (useSearchParams) without asking the server for the page
   * again, as router.replace() would. Typing replaces the entry; a tab or sort is a step Back undoes.
   */
  const showQuery = useCallback(
    (changes: Partial<TaskListQuery>, how: "push" | "replace") => {
      const next = { ...query, ...changes };
      if (sameQuery(next, query)) return;
      setQuery(next);
      const params = withListQuery(new URLSearchParams(window.location.search), next).toString();
      const address = `${window.location.pathname}${params ? `?${params}` : ""}`;
      if (how === "push") window.history.pushState(null, "", address);
      else window.history.replaceState(null, "", address);
    },
    [query],
  );

  /** The tab counts follow a write the API confirmed: `before` and `after` are null for no task. */
  function counted(before: Task | null, after: Task | null) {
    dispatchPaging({ type: "task-changed", before, after });
  }

  /** Tells the person what failed; `retry` is offered only when trying again can help. */
  function report(error: unknown, what: string, retry?: () => void) {
    if (isSessionEnded(error)) return; // the sign-in page explains; drafts keep the text
    const transient = error instanceof ApiError && error.isTransient;
    noticeCount += 1;
    setNotice({ id: noticeCount, message: `${what}. ${describeApiError(error)}`, retry: transient ? retry : undefined });
  }

  /** Where keyboard focus goes when a row disappears: its neighbour, or the list itself. */
  function focusRowOrList(id: TaskId | undefined) {
    focusAfterRender(() => {
      const row = id === undefined ? null : listRef.current?.querySelector<HTMLElement>(`[data-task-id="${CSS.escape(String(id))}"]`);
      return row ?? listRef.current;
    });
  }

  /** Puts a task back as it was, drops it when the API says it no longer exists, reloads when it changed elsewhere. */
  function undo(task: Task, error: unknown, failed: string) {
    // After a session end the sign-in page does the talking.
    const tell = (text: string) => void (isSessionEnded(error) || announce(text));
    if (error instanceof ApiError && error.status === 404) {
      dispatch({ type: "removed", id: task.id });
      counted(task, null);
      removeDraft(editDraftKey(userId, task));
      tell(`${failed}: it no longer exists and was taken off the list.`);
    } else if (error instanceof ApiError && error.status === 412) {
      dispatch({ type: "restored", task });
      void loadTasks();
      tell(`${failed}: it was changed elsewhere; showing the latest version.`);
    } else {
      dispatch({ type: "restored", task });
      tell(`${failed}: it is back as it was.`);
    }
  }

  async function addTask(input: TaskInput) {
    setNotice(null);
    setCreating(true);
    const placeholder = placeholderTask(userId, input);
    dispatch({ type: "added", task: placeholder });
    announce(`Adding “${input.title}”…`);
    try {
      const created = await api.createTask(input);
      dispatch({ type: "saved", id: placeholder.id, task: created });
      counted(null, created);
      announce(`Added “${input.title}”.`);
      // A retry from the notice may land after the person typed something new: keep that.
      if (isSameInput(readDraft<TaskInput>(newTaskKey), input)) {
        newTask.discard();
        // Still in the form with nothing new typed: show them the row that was just added.
        if (isInAddForm(document.activeElement)) focusRowOrList(created.id);
      }
    } catch (error) {
      dispatch({ type: "removed", id: placeholder.id });
      if (!isSessionEnded(error)) announce(`Couldn't add “${input.title}”: it was taken off the list.`);
      report(error, `Couldn't add “${input.title}”`, () => void addTask(input));
    } finally {
      setCreating(false);
    }
  }

  async function setCompleted(task: Task, completed: boolean) {
    setNotice(null);
    dispatch({ type: "changed", id: task.id, changes: { completed } });
    try {
      const saved = await api.setTaskCompleted(task.id, completed, taskVersion(task));
      dispatch({ type: "saved", id: task.id, task: saved });
      counted(task, saved);
      announce(completed ? `Marked “${task.title}” as done.` : `Reopened “${task.title}”.`);
    } catch (error) {
      const verb = completed ? "mark" : "reopen";
      const suffix = completed ? " as done" : "";
      undo(task, error, `Couldn't ${verb} “${task.title}”${suffix}`);
      report(error, `Couldn't ${verb} “${task.title}”${suffix}`, () => void setCompleted(task, completed));
    }
  }

  async function saveChanges(task: Task, changes: TaskInput): Promise<boolean> {
    setNotice(null);
    dispatch({ type: "changed", id: task.id, changes });
    try {
      dispatch({ type: "saved", id: task.id, task: await api.updateTask(task.id, changes, taskVersion(task)) });
      announce(`Saved your changes to “${changes.title}”.`);
      return true;
    } catch (error) {
      undo(task, error, `Couldn't save your changes to “${task.title}”`);
      // The editor reopens with the text, so its Save button is the retry.
      report(error, `Couldn't save your changes to “${task.title}”`);
      return false;
    }
  }

  async function deleteTask(task: Task) {
    setNotice(null);
    const index = rows.findIndex((row) => row.task.id === task.id);
    const shown = visibleRows.findIndex((row) => row.task.id === task.id);
    const neighbour = visibleRows[shown + 1] ?? visibleRows[shown - 1];
    dispatch({ type: "removed", id: task.id });
    focusRowOrList(neighbour?.task.id);
    try {
      await api.deleteTask(task.id, taskVersion(task));
      counted(task, null);
      announce(`Deleted “${task.title}”.`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        counted(task, null);
        return announce(`Deleted “${task.title}”.`); // already gone, which is what was asked
      }
      dispatch({ type: "reinserted", task, index });
      if (!isSessionEnded(error)) announce(`Couldn't delete “${task.title}”: it is back in the list.`);
      if (error instanceof ApiError && error.status === 412) void loadTasks();
      report(error, `Couldn't delete “${task.title}”`, () => void deleteTask(task));
    }
  }

  // A task changed here may no longer belong to the tab (completed under Pending): it leaves the view.
  const visibleRows = rows.filter((row) => matchesFilter(row.task, filter));
  const loading = paging.first.status === "loading";
  const ready = paging.first.status === "ready";
  const summary = paging.counts && summaryOf(paging.counts, query.search);

  return (
    <main className={styles.main}>
      <div className={styles.heading}>
        <h1 className={styles.title}>My tasks</h1>
        {ready && summary && (
          <p className={styles.summary} data-testid="task-summary">
            {summary}
          </p>
        )}
      </div>

      <NewTaskForm value={newTask.value} onChange={newTask.update} onSubmit={(input) => void addTask(input)} busy={creating} />

      {newTask.restored && newTask.value.title && (
        <Alert tone="info">We kept the task you were writing; add it when you are ready.</Alert>
      )}

      {notice && (
        <Alert
          key={notice.id}
          tone="error"
          takeFocus
          actions={
            <>
              {notice.retry && (
                <button type="button" className="button button-secondary" onClick={notice.retry}>
                  Retry
                </button>
              )}
              <button type="button" className="button button-ghost" onClick={() => setNotice(null)}>
                Dismiss
              </button>
            </>
          }
        >
          {notice.message}
        </Alert>
      )}

      <section
        ref={listRef}
        className={styles.list}
        aria-label="Tasks"
        aria-busy={loading || paging.more.status === "loading"}
        tabIndex={-1}
      >
        <div className={styles.listHeader}>
          <FilterTabs
            value={filter}
            counts={paging.counts ?? undefined}
            onChange={(status: TaskFilter) => showQuery({ status }, "push")}
          />
        </div>
        <ListControls
          search={query.search}
          sort={query.sort}
          onSearch={(search) => showQuery({ search }, "replace")}
          onSort={(sort: TaskSort) => showQuery({ sort }, "push")}
        />
        {loading && visibleRows.length === 0 && <LoadingRows />}
        {paging.first.status === "failed" && (
          <LoadFailed message={paging.first.message} onRetry={() => loadTasks()} />
        )}
        {ready && visibleRows.length === 0 && paging.next === null && (
          <EmptyState filter={filter} search={query.search} />
        )}
        {(ready || loading) && visibleRows.length > 0 && (
          <ul className={loading ? `${styles.items} ${styles.stale}` : styles.items}>
            {visibleRows.map(({ task, saving }) => (
              <TaskItem
                key={String(task.id)}
                task={task}
                userId={userId}
                saving={saving}
                onToggle={(current) => void setCompleted(current, !current.completed)}
                onSave={saveChanges}
                onDelete={setTaskToDelete}
              />
            ))}
          </ul>
        )}
        {ready && <LoadMore paging={paging} onLoadMore={() => void loadMore()} />}
      </section>

      <ConfirmDialog
        open={taskToDelete !== null}
        title="Delete this task?"
        confirmLabel="Delete task"
        onCancel={() => setTaskToDelete(null)}
        onConfirm={() => {
          if (taskToDelete) void deleteTask(taskToDelete);
          setTaskToDelete(null);
        }}
      >
        “{taskToDelete?.title}” will be deleted for good.
      </ConfirmDialog>
      {region}
    </main>
  );
}

function isInAddForm(element: Element | null): boolean {
  return element === null || element === document.body || element.closest("#new-task-form") !== null;
}

/** Focuses what `find` returns once the render under way is on screen. */
function usePendingFocus() {
  const pending = useRef<(() => HTMLElement | null | undefined) | null>(null);
  useEffect(() => {
    const find = pending.current;
    if (!find) return;
    pending.current = null;
    find()?.focus();
  });
  return useCallback((find: () => HTMLElement | null | undefined) => void (pending.current = find), []);
}

function isSameInput(draft: TaskInput | null, input: TaskInput): boolean {
  return draft !== null && draft.title.trim() === input.title && draft.description.trim() === input.description;
}

function isSessionEnded(error: unknown): boolean {
  return error instanceof ApiError && error.kind === "session_ended";
}

/** Stands in for a new task until the API answers with the real one. */
function placeholderTask(userId: string, input: TaskInput): Task {
  const now = new Date().toISOString();
  placeholderCount += 1;
  return {
    id: `pending-${placeholderCount}`,
    user_id: userId,
    title: input.title,
    description: input.description,
    completed: false,
    created_at: now,
    updated_at: now,
  };
}

