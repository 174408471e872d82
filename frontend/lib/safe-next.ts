export const DEFAULT_AFTER_SIGN_IN = "/tasks";

const AUTH_PAGES = new Set(["/sign-in", "/sign-up"]);
const PROBE_ORIGIN = "http://same-site.invalid";

/**
 * Returns `raw` when it is a path on this site, otherwise `fallback`.
 *
 * `?next=` comes from the address bar, so it is untrusted: protocol-relative
 * (`//evil.example`), absolute (`https:`), backslash (`/\evil`, which browsers
 * read as `//`) and control characters are all refused (open redirect, CWE-601).
 */
export function safeNextPath(raw: string | null | undefined, fallback = DEFAULT_AFTER_SIGN_IN): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//")) return fallback;
  if (raw.includes("\\") || /[\u0000-\u001f\u007f]/.test(raw)) return fallback;

  let url: URL;
  try {
    url = new URL(raw, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PROBE_ORIGIN) return fallback;
  // Sending someone back to a sign-in page after signing in would only loop.
  if (AUTH_PAGES.has(url.pathname)) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** Why the person lands on sign-in: the session ran out or ended elsewhere, or they signed out. */
export type SignInReason = "expired" | "signed-out";

export const SIGN_IN_REASONS: readonly SignInReason[] = ["expired", "signed-out"];

/** Builds `/sign-in?next=/tasks` (slashes kept readable) with an optional reason. */
export function signInUrl(next: string, reason?: SignInReason): string {
  const query = `next=${readableNext(next)}${reason ? `&reason=${reason}` : ""}`;
  return `/sign-in?${query}`;
}

/**
 * Where the plans' `/login` and `/signup` lead: the real page, keeping a
 * `?next=` that passes `safeNextPath` (an unsafe one becomes the default).
 */
export function authAliasTarget(page: "/sign-in" | "/sign-up", rawNext: string | null): string {
  return rawNext === null ? page : `${page}?next=${readableNext(rawNext)}`;
}

function readableNext(next: string): string {
  return encodeURIComponent(safeNextPath(next)).replace(/%2F/g, "/");
}
