/**
 * Unsaved form text kept in sessionStorage, so it survives a trip to the
 * sign-in page. Keys carry the user id: a draft never shows up for someone else.
 */
const PREFIX = "draft:";

export function draftKey(userId: string, form: string): string {
  return `${PREFIX}${userId}:${form}`;
}

export function readDraft<T>(key: string): T | null {
  try {
    const raw = window.sessionStorage.getItem(key);
    return raw === null ? null : (JSON.parse(raw) as T);
  } catch {
    return null;
  }
}

export function writeDraft(key: string, value: unknown): void {
  try {
    window.sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the form still works, the draft just won't survive a reload.
  }
}

export function removeDraft(key: string): void {
  try {
    window.sessionStorage.removeItem(key);
  } catch {
    // See writeDraft.
  }
}

/** Forgets every draft of one person, e.g. when they sign out on a shared computer. */
export function removeDraftsOf(userId: string): void {
  try {
    const prefix = draftKey(userId, "");
    const keys = Array.from({ length: window.sessionStorage.length }, (_, index) => window.sessionStorage.key(index));
    for (const key of keys) if (key?.startsWith(prefix)) window.sessionStorage.removeItem(key);
  } catch {
    // See writeDraft.
  }
}
