import styles from "./BrandMark.module.css";

/** The app's logo and name. */
export function BrandMark() {
  return (
    <span className={styles.brand}>
      <svg className={styles.logo} viewBox="0 0 28 28" aria-hidden="true">
        <rect width="28" height="28" rx="8" fill="var(--color-primary)" />
        <path d="M8 14.5l4 4 8-9" fill="none" stroke="#fff" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      Tasks
    </span>
  );
}
