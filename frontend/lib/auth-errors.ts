import { EMAIL_MAX, NAME_MAX, type AuthMode } from "./validation";

/** The parts of a Better Auth client error that decide what the person is told. */
export interface AuthFailure {
  status: number;
  code?: string;
  /** Seconds to wait, from a 429's Retry-After (or Better Auth's X-Retry-After). */
  retryAfter?: number;
}

/** Whole seconds from Retry-After or X-Retry-After; `undefined` when neither holds a number. */
export function retryAfterSeconds(headers: Headers): number | undefined {
  for (const name of ["Retry-After", "X-Retry-After"]) {
    const value = headers.get(name)?.trim();
    if (value && /^\d+$/.test(value)) return Number(value);
  }
  return undefined;
}

/**
 * A sentence for a failed sign-in or sign-up. A wrong email and a wrong
 * password read the same, so the form never tells which accounts exist.
 */
export function describeAuthFailure(mode: AuthMode, failure: AuthFailure): string {
  if (failure.status === 0) return "Can't reach the server. Check your connection and try again.";
  if (failure.status === 429) {
    return failure.retryAfter === undefined
      ? "Too many attempts. Wait a few seconds and try again."
      : `Too many attempts, try again in ${Math.max(1, failure.retryAfter)} s.`;
  }
  if (failure.status >= 500) return "Something went wrong on our side. Please try again.";
  // Better Auth refuses a form sent from an address other than BETTER_AUTH_URL's (or its trusted
  // origins): nothing the person typed is wrong, the page was opened at the wrong address.
  if (failure.status === 403 && failure.code === "INVALID_ORIGIN") {
    return "This page's address is not the app's configured address, so the server refused the request. Open the app at its configured address and try again.";
  }
  if (mode === "sign-in") return "Invalid email or password.";
  if (failure.status === 422 || failure.code?.startsWith("USER_ALREADY_EXISTS")) {
    return "An account with this email already exists. Sign in instead.";
  }
  if (failure.code === "PASSWORD_TOO_SHORT") return "Use at least 8 characters for your password.";
  if (failure.code === "INVALID_EMAIL") return "Enter a valid email address.";
  // The server's limits (lib/user-fields.ts), should the form's own check be bypassed.
  if (failure.code === "NAME_TOO_LONG") return `Keep your name to ${NAME_MAX} characters or fewer.`;
  if (failure.code === "EMAIL_TOO_LONG") return `Use an email address of at most ${EMAIL_MAX} characters.`;
  if (failure.status === 413) return "That was too much to send. Shorten your details and try again.";
  return "We couldn't create your account. Check the details and try again.";
}
