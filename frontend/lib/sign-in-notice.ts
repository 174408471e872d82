/** What the sign-in page says above the form, for a `?reason=`. */
export interface SignInNotice {
  tone: "warning" | "info";
  text: string;
}

const NOTICES: Record<string, SignInNotice> = {
  expired: { tone: "warning", text: "Your session has expired. Please sign in again." },
  "signed-out": { tone: "info", text: "You have signed out." },
};

/** The notice for a reason from the address bar; nothing for an unknown one. */
export function signInNotice(reason: string | undefined): SignInNotice | undefined {
  return reason !== undefined && Object.hasOwn(NOTICES, reason) ? NOTICES[reason] : undefined;
}
