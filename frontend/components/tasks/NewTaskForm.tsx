"use client";

import type { FormEvent } from "react";
import { FieldMeta } from "@/components/ui/FieldMeta";
import { DESCRIPTION_MAX, TITLE_MAX } from "@/lib/validation";
import styles from "./NewTaskForm.module.css";
import { type TaskInput, useTaskFields } from "./use-task-fields";

interface NewTaskFormProps {
  value: TaskInput;
  onChange: (value: TaskInput) => void;
  onSubmit: (value: TaskInput) => void;
  /** A task is on its way to the API; the form waits so the same text is not sent twice. */
  busy: boolean;
}

/** The "add a task" card. Its text lives in a draft owned by the board, so it outlives a sign-in. */
export function NewTaskForm({ value, onChange, onSubmit, busy }: NewTaskFormProps) {
  const { errors, update, submittable } = useTaskFields(value, onChange);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const input = submittable();
    if (input === null) {
      event.currentTarget.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    onSubmit(input);
  }

  return (
    <form id="new-task-form" className={styles.card} onSubmit={handleSubmit} noValidate aria-label="Add a task">
      <div className="field">
        <label htmlFor="new-task-title" className="visually-hidden">
          Title
        </label>
        <input
          id="new-task-title"
          className={`input ${styles.title}`}
          placeholder="What needs doing?"
          autoComplete="off"
          value={value.title}
          aria-invalid={errors.title ? true : undefined}
          aria-describedby={errors.title ? "new-task-title-meta" : undefined}
          onChange={(event) => update("title", event.target.value)}
        />
        <FieldMeta id="new-task-title-meta" error={errors.title} length={value.title.trim().length} max={TITLE_MAX} />
      </div>
      <div className="field">
        <label htmlFor="new-task-description" className="visually-hidden">
          Description (optional)
        </label>
        <textarea
          id="new-task-description"
          className="input"
          placeholder="Add details (optional)"
          rows={2}
          value={value.description}
          aria-invalid={errors.description ? true : undefined}
          aria-describedby={errors.description ? "new-task-description-meta" : undefined}
          onChange={(event) => update("description", event.target.value)}
        />
        <FieldMeta
          id="new-task-description-meta"
          error={errors.description}
          length={value.description.length}
          max={DESCRIPTION_MAX}
        />
      </div>
      <div className={styles.footer}>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy && <span className="spinner" aria-hidden="true" />}
          {busy ? "Adding…" : "Add task"}
        </button>
      </div>
    </form>
  );
}
