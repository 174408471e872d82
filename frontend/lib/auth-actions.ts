import { authClient } from "./auth-client";
import { retryAfterSeconds, type AuthFailure } from "./auth-errors";
import type { AuthMode, CredentialField } from "./validation";

/** Ends every session of this person but the current one (each ends at the API too); true when it did. */
export async function signOutOtherSessions(): Promise<boolean> {
  try {
    const { error } = await authClient.revokeOtherSessions();
    return !error;
  } catch {
    return false;
  }
}

/** Signs in or up through Better Auth; `null` on success, else what went wrong. */
export async function submitCredentials(
  mode: AuthMode,
  values: Record<CredentialField, string>,
): Promise<AuthFailure | null> {
  const email = values.email.trim();
  let retryAfter: number | undefined;
  // The error Better Auth's client returns has no headers; the response does.
  const fetchOptions = {
    onError: ({ response }: { response: Response }) => void (retryAfter = retryAfterSeconds(response.headers)),
  };
  try {
    const { error } =
      mode === "sign-in"
        ? await authClient.signIn.email({ email, password: values.password }, fetchOptions)
        : await authClient.signUp.email({ name: values.name.trim(), email, password: values.password }, fetchOptions);
    return error ? { status: error.status, code: error.code, retryAfter } : null;
  } catch {
    return { status: 0 };
  }
}
