export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 1000;
/**
 * A name travels in every JWT the API is sent (the `name` claim); 100 characters
 * holds real full names and keeps the token far under the API's header limits.
 */
export const NAME_MAX = 100;
/** RFC 5321's longest forward path, less the angle brackets. */
export const EMAIL_MAX = 254;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export type FieldErrors<Field extends string> = Partial<Record<Field, string>>;

export type CredentialField = "name" | "email" | "password";
export type AuthMode = "sign-in" | "sign-up";

// Deliberately loose: the server is the judge; this only catches typos before a round trip.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateCredentials(
  mode: AuthMode,
  values: Record<CredentialField, string>,
): FieldErrors<CredentialField> {
  const errors: FieldErrors<CredentialField> = {};
  if (mode === "sign-up") {
    const name = values.name.trim();
    if (!name) errors.name = "Enter your name.";
    else if (name.length > NAME_MAX) errors.name = `Keep your name under ${NAME_MAX} characters.`;
  }

  const email = values.email.trim();
  if (!email) errors.email = "Enter your email address.";
  else if (email.length > EMAIL_MAX) errors.email = `Use an email address of at most ${EMAIL_MAX} characters.`;
  else if (!EMAIL_SHAPE.test(email)) errors.email = "Enter a valid email address, like name@example.com.";

  if (!values.password) errors.password = "Enter your password.";
  else if (values.password.length < PASSWORD_MIN) errors.password = `Use at least ${PASSWORD_MIN} characters.`;
  else if (values.password.length > PASSWORD_MAX) errors.password = `Use at most ${PASSWORD_MAX} characters.`;
  return errors;
}

export type TaskField = "title" | "description";

export function validateTask(values: Record<TaskField, string>): FieldErrors<TaskField> {
  const errors: FieldErrors<TaskField> = {};
  const title = values.title.trim();
  if (!title) errors.title = "Give the task a title.";
  else if (title.length > TITLE_MAX) errors.title = `Keep the title to ${TITLE_MAX} characters or fewer.`;
  if (values.description.length > DESCRIPTION_MAX) {
    errors.description = `Keep the description to ${DESCRIPTION_MAX} characters or fewer.`;
  }
  return errors;
}

export function hasErrors(errors: object): boolean {
  return Object.keys(errors).length > 0;
}
