import { authClient } from "./auth-client";
import type { AuthFailure } from "./auth-errors";
import type { AuthMode, CredentialField } from "./validation";

/** Signs in or up through Better Auth; `null` on success, else what went wrong. */
export async function submitCredentials(
  mode: AuthMode,
  values: Record<CredentialField, string>,
): Promise<AuthFailure | null> {
  const email = values.email.trim();
  try {
    const { error } =
      mode === "sign-in"
        ? await authClient.signIn.email({ email, password: values.password })
        : await authClient.signUp.email({ name: values.name.trim(), email, password: values.password });
    return error ? { status: error.status, code: error.code } : null;
  } catch {
    return { status: 0 };
  }
}
