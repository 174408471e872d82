"use client";

import type { FormEvent, KeyboardEvent } from "react";
import { DESCRIPTION_MAX, TITLE_MAX } from "@/lib/validation";
import { FieldMeta } from "@/components/ui/FieldMeta";
import type { TaskInput } from "./use-task-fields";
import styles from "./TaskItem.module.css";
import { useTaskFields } from "./use-task-fields";

interface TaskEditorProps {
  taskId: string;
  value: TaskInput;
  onChange: (value: TaskInput) => void;
  onSave: (value: TaskInput) => void;
  onCancel: () => void;
}

/** Edits a task where it stands in the list; Escape cancels. */
export function TaskEditor({ taskId, value, onChange, onSave, onCancel }: TaskEditorProps) {
  const { errors, update, submittable } = useTaskFields(value, onChange);
  const titleId = `edit-title-${taskId}`;
  const descriptionId = `edit-description-${taskId}`;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = submittable();
    if (input !== null) onSave(input);
  }

  function handleKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      onCancel();
    }
  }

  return (
    <form className={styles.editor} onSubmit={handleSubmit} onKeyDown={handleKeyDown} noValidate aria-label="Edit task">
      <div className="field">
        <label htmlFor={titleId} className="field-label">
          Title
        </label>
        <input
          id={titleId}
          className="input"
          value={value.title}
          autoFocus
          aria-invalid={errors.title ? true : undefined}
          onChange={(event) => update("title", event.target.value)}
        />
        <FieldMeta error={errors.title} length={value.title.trim().length} max={TITLE_MAX} />
      </div>
      <div className="field">
        <label htmlFor={descriptionId} className="field-label">
          Description <span className="field-label-hint">(optional)</span>
        </label>
        <textarea
          id={descriptionId}
          className="input"
          rows={3}
          value={value.description}
          aria-invalid={errors.description ? true : undefined}
          onChange={(event) => update("description", event.target.value)}
        />
        <FieldMeta error={errors.description} length={value.description.length} max={DESCRIPTION_MAX} />
      </div>
      <div className={styles.editorActions}>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary">
          Save
        </button>
      </div>
    </form>
  );
}
