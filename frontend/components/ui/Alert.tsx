"use client";

import { useEffect, useRef, type ReactNode } from "react";
import styles from "./Alert.module.css";

type AlertTone = "error" | "warning" | "info";

interface AlertProps {
  tone: AlertTone;
  children: ReactNode;
  actions?: ReactNode;
  /** Moves keyboard focus here when it appears: for news that needs the person's attention. */
  takeFocus?: boolean;
}

/** An inline message box; errors are announced at once, the rest politely. */
export function Alert({ tone, children, actions, takeFocus = false }: AlertProps) {
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (takeFocus) ref.current?.focus();
  }, [takeFocus]);

  return (
    <div
      ref={ref}
      className={`${styles.alert} ${styles[tone]}`}
      role={tone === "error" ? "alert" : "status"}
      tabIndex={takeFocus ? -1 : undefined}
    >
      <AlertIcon tone={tone} />
      <div className={styles.body}>{children}</div>
      {actions && <div className={styles.actions}>{actions}</div>}
    </div>
  );
}

function AlertIcon({ tone }: { tone: AlertTone }) {
  return (
    <svg className={styles.icon} viewBox="0 0 20 20" aria-hidden="true">
      <circle cx="10" cy="10" r="9" fill="currentColor" opacity="0.15" />
      {tone === "info" ? (
        <path d="M10 9v5M10 6.2v.1" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      ) : (
        <path d="M10 5.5v5.5M10 14v.1" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      )}
    </svg>
  );
}
