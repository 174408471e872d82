import { BrandMark } from "@/components/ui/BrandMark";
import styles from "./AppHeader.module.css";

interface AppHeaderProps {
  name: string;
  email: string;
  signingOut: boolean;
  onSignOut: () => void;
  signingOutOthers: boolean;
  onSignOutOthers: () => void;
}

/** The bar at the top of signed-in pages: who is signed in, and the ways out. */
export function AppHeader({ name, email, signingOut, onSignOut, signingOutOthers, onSignOutOthers }: AppHeaderProps) {
  return (
    <header className={styles.header}>
      <div className={styles.inner}>
        <BrandMark />
        <div className={styles.account}>
          <span className={styles.avatar} aria-hidden="true">
            {initialsOf(name || email)}
          </span>
          <span className={styles.identity}>
            <span className={styles.name} data-testid="account-name">
              {name}
            </span>
            <span className={styles.email} data-testid="account-email">
              {email}
            </span>
          </span>
          {/* aria-disabled, not disabled: a disabled button drops keyboard focus while the request runs. */}
          <button
            type="button"
            className="button button-ghost"
            onClick={() => signingOutOthers || onSignOutOthers()}
            aria-disabled={signingOutOthers}
          >
            Sign out other sessions
          </button>
          <button type="button" className="button button-secondary" onClick={onSignOut} disabled={signingOut}>
            {signingOut ? "Signing out…" : "Sign out"}
          </button>
        </div>
      </div>
    </header>
  );
}

function initialsOf(text: string): string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]?.[0], words[words.length - 1]?.[0]] : [words[0]?.[0]];
  return letters.join("").toUpperCase() || "?";
}
