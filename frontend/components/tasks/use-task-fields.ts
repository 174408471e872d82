import { useState } from "react";
import { hasErrors, validateTask, type FieldErrors, type TaskField } from "@/lib/validation";

/** What a task form edits and submits. */
export interface TaskInput {
  title: string;
  description: string;
}

/**
 * The title and description a task form edits, with its field errors: shared by
 * the "add" card and the in-place editor so both validate alike. Errors appear on
 * submit and then follow every keystroke until they are fixed.
 */
export function useTaskFields(value: TaskInput, onChange: (value: TaskInput) => void) {
  const [errors, setErrors] = useState<FieldErrors<TaskField>>({});

  function update(field: TaskField, text: string) {
    const next = { ...value, [field]: text };
    onChange(next);
    if (hasErrors(errors)) setErrors(validateTask(next));
  }

  /** Shows what is wrong and returns the trimmed input, or null when it may not be sent. */
  function submittable(): TaskInput | null {
    const found = validateTask(value);
    setErrors(found);
    return hasErrors(found) ? null : { title: value.title.trim(), description: value.description.trim() };
  }

  return { errors, update, submittable };
}
