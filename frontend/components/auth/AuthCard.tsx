import type { ReactNode } from "react";
import { BrandMark } from "@/components/ui/BrandMark";
import styles from "./AuthCard.module.css";

interface AuthCardProps {
  title: string;
  subtitle: string;
  footer: ReactNode;
  children: ReactNode;
}

/** The centred card that frames the sign-in and sign-up forms. */
export function AuthCard({ title, subtitle, footer, children }: AuthCardProps) {
  return (
    <main className={styles.page}>
      <div className={styles.brand}>
        <BrandMark />
      </div>
      <section className={styles.card} aria-labelledby="auth-title">
        <header className={styles.header}>
          <h1 id="auth-title" className={styles.title}>
            {title}
          </h1>
          <p className={styles.subtitle}>{subtitle}</p>
        </header>
        {children}
      </section>
      <p className={styles.footer}>{footer}</p>
    </main>
  );
}
