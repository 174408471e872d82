"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { readDraft, removeDraft, writeDraft } from "./drafts";

/**
 * Form state mirrored into a sessionStorage draft on every change.
 * Returns the value, a setter that also saves, and a reset that discards the draft.
 */
export function useSessionDraft<T>(key: string, empty: T) {
  const [value, setValue] = useState<T>(empty);
  const emptyRef = useRef(empty);
  const [restored, setRestored] = useState(false);

  // Read after mount: the server render has no sessionStorage, and both renders must match.
  useEffect(() => {
    const saved = readDraft<T>(key);
    if (saved !== null) {
      setValue(saved);
      setRestored(true);
    }
  }, [key]);

  const update = useCallback(
    (next: T) => {
      setValue(next);
      writeDraft(key, next);
    },
    [key],
  );

  const discard = useCallback(() => {
    setValue(emptyRef.current);
    setRestored(false);
    removeDraft(key);
  }, [key]);

  return { value, update, discard, restored };
}
