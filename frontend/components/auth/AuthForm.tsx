"use client";

import { useState, type FormEvent } from "react";
import { TextField } from "@/components/ui/TextField";
import { Alert } from "@/components/ui/Alert";
import { submitCredentials } from "@/lib/auth-actions";
import { describeAuthFailure } from "@/lib/auth-errors";
import type { SignInNotice } from "@/lib/sign-in-notice";
import {
  EMAIL_MAX,
  hasErrors,
  NAME_MAX,
  PASSWORD_MIN,
  validateCredentials,
  type AuthMode,
  type CredentialField,
  type FieldErrors,
} from "@/lib/validation";
import styles from "./AuthForm.module.css";

interface AuthFormProps {
  mode: AuthMode;
  /** Where to go once signed in; already checked to be a same-site path. */
  next: string;
  /** Shown above the form, e.g. why the person was sent here. */
  notice?: SignInNotice;
}

const EMPTY_VALUES: Record<CredentialField, string> = { name: "", email: "", password: "" };

const COPY = {
  "sign-in": { submit: "Sign in", busy: "Signing in…" },
  "sign-up": { submit: "Create account", busy: "Creating account…" },
} as const;

export function AuthForm({ mode, next, notice }: AuthFormProps) {
  const [values, setValues] = useState(EMPTY_VALUES);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors<CredentialField>>({});
  const [formError, setFormError] = useState<string | null>(null);
  // Each failed attempt is a new alert, focused and announced even when its text repeats.
  const [formErrorCount, setFormErrorCount] = useState(0);
  const [validateAsYouType, setValidateAsYouType] = useState(false);
  const [busy, setBusy] = useState(false);

  function update(field: CredentialField, value: string) {
    const nextValues = { ...values, [field]: value };
    setValues(nextValues);
    // Once a submit has shown errors, clear each as soon as it is fixed.
    if (validateAsYouType) setFieldErrors(validateCredentials(mode, nextValues));
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const form = event.currentTarget;
    const errors = validateCredentials(mode, values);
    setValidateAsYouType(true);
    setFieldErrors(errors);
    setFormError(null);
    if (hasErrors(errors)) {
      requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }

    setBusy(true);
    const failure = await submitCredentials(mode, values);
    if (failure) {
      setFormError(describeAuthFailure(mode, failure));
      setFormErrorCount((count) => count + 1);
      setBusy(false);
      return;
    }
    // A full navigation, so the next page starts from the new session cookie.
    window.location.assign(next);
  }

  return (
    <form className={styles.form} onSubmit={handleSubmit} noValidate aria-busy={busy}>
      {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}
      {formError && (
        <Alert key={formErrorCount} tone="error" takeFocus>
          {formError}
        </Alert>
      )}
      <fieldset className={styles.fields} disabled={busy}>
        {mode === "sign-up" && (
          <TextField
            id="name"
            label="Name"
            autoComplete="name"
            maxLength={NAME_MAX}
            value={values.name}
            error={fieldErrors.name}
            onChange={(event) => update("name", event.target.value)}
          />
        )}
        <TextField
          id="email"
          label="Email"
          type="email"
          autoComplete="email"
          inputMode="email"
          maxLength={EMAIL_MAX}
          value={values.email}
          error={fieldErrors.email}
          onChange={(event) => update("email", event.target.value)}
        />
        <TextField
          id="password"
          label="Password"
          type="password"
          autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
          placeholder={mode === "sign-up" ? `At least ${PASSWORD_MIN} characters` : undefined}
          value={values.password}
          error={fieldErrors.password}
          onChange={(event) => update("password", event.target.value)}
        />
        <button type="submit" className="button button-primary button-block">
          {busy && <span className="spinner" aria-hidden="true" />}
          {busy ? COPY[mode].busy : COPY[mode].submit}
        </button>
      </fieldset>
    </form>
  );
}
