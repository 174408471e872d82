"use client";

import { useEffect, useRef, useState } from "react";
import { draftKey } from "@/lib/drafts";
import type { Task } from "@/lib/task";
import { useSessionDraft } from "@/lib/use-session-draft";
import type { TaskInput } from "./use-task-fields";
import { TaskEditor } from "./TaskEditor";
import styles from "./TaskItem.module.css";

interface TaskItemProps {
  task: Task;
  userId: string;
  /** A change to this task is still on its way to the API. */
  saving: boolean;
  onToggle: (task: Task) => void;
  /** Resolves `true` once the API has the changes. */
  onSave: (task: Task, changes: TaskInput) => Promise<boolean>;
  onDelete: (task: Task) => void;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** One task: a checkbox, its text, and edit/delete; while editing, an in-place form. */
export function TaskItem({ task, userId, saving, onToggle, onSave, onDelete }: TaskItemProps) {
  // The open editor *is* the draft: after a trip to sign-in it reopens with the text as typed.
  const edit = useSessionDraft<TaskInput | null>(editDraftKey(userId, task), null);
  const [submitting, setSubmitting] = useState(false);
  const checkboxId = `task-${String(task.id)}-done`;
  const rowRef = useRef<HTMLLIElement>(null);
  // The editor's fields vanish when it closes; focus goes back to the row rather than to nowhere.
  const [focusRow, setFocusRow] = useState(false);

  useEffect(() => {
    if (!focusRow) return;
    setFocusRow(false);
    rowRef.current?.focus();
  }, [focusRow]);

  async function save(changes: TaskInput) {
    setSubmitting(true);
    setFocusRow(true);
    const saved = await onSave(task, changes);
    setSubmitting(false);
    if (saved) edit.discard();
  }

  function cancel() {
    edit.discard();
    setFocusRow(true);
  }

  if (edit.value !== null && !submitting) {
    return (
      <li ref={rowRef} className={styles.item} data-testid="task-item" data-task-id={String(task.id)} tabIndex={-1}>
        <TaskEditor
          taskId={String(task.id)}
          value={edit.value}
          onChange={edit.update}
          onSave={(changes) => void save(changes)}
          onCancel={cancel}
        />
      </li>
    );
  }

  return (
    <li
      ref={rowRef}
      className={styles.item}
      data-testid="task-item"
      data-task-id={String(task.id)}
      data-completed={task.completed}
      data-saving={saving}
      tabIndex={-1}
    >
      <input
        id={checkboxId}
        type="checkbox"
        className={styles.check}
        checked={task.completed}
        // Not `disabled`: that would drop keyboard focus from the box just ticked.
        aria-disabled={saving || undefined}
        onChange={() => {
          if (!saving) onToggle(task);
        }}
        aria-label={task.completed ? `Mark “${task.title}” as not done` : `Mark “${task.title}” as done`}
      />
      <div className={styles.content}>
        <label htmlFor={checkboxId} className={styles.title}>
          {task.title}
        </label>
        {task.description && <p className={styles.description}>{task.description}</p>}
        <p className={styles.meta}>
          {saving ? "Saving…" : `Added ${dateFormat.format(new Date(task.created_at))}`}
        </p>
      </div>
      <div className={styles.actions}>
        <button
          type="button"
          className="button button-ghost"
          disabled={saving}
          onClick={() => edit.update({ title: task.title, description: task.description })}
          aria-label={`Edit “${task.title}”`}
        >
          Edit
        </button>
        <button
          type="button"
          className={`button button-ghost ${styles.delete}`}
          disabled={saving}
          onClick={() => onDelete(task)}
          aria-label={`Delete “${task.title}”`}
        >
          Delete
        </button>
      </div>
    </li>
  );
}

export function editDraftKey(userId: string, task: Pick<Task, "id">): string {
  return draftKey(userId, `edit:${String(task.id)}`);
}
