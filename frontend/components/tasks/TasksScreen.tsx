"use client";

import { useState } from "react";
import { AppHeader } from "@/components/AppHeader";
import { Alert } from "@/components/ui/Alert";
import { signOutOtherSessions } from "@/lib/auth-actions";
import { createBrowserSession } from "@/lib/browser-session";
import type { ClientConfig } from "@/lib/client-config";
import { TaskBoard } from "./TaskBoard";
import styles from "./TasksScreen.module.css";

interface TasksScreenProps {
  user: { id: string; name: string; email: string };
  config: ClientConfig;
}

/** The signed-in page: header and task board sharing one API client and token store. */
export function TasksScreen({ user, config }: TasksScreenProps) {
  const [session] = useState(() => createBrowserSession(config, user.id));
  const [signingOut, setSigningOut] = useState(false);
  const [signOutFailed, setSignOutFailed] = useState(false);
  const [others, setOthers] = useState<"idle" | "working" | "done" | "failed">("idle");

  async function signOutOthers() {
    // Clearing the message first lets a second click announce its result again.
    setOthers("working");
    setOthers((await signOutOtherSessions()) ? "done" : "failed");
  }

  async function signOut() {
    setSigningOut(true);
    setSignOutFailed(false);
    if (!(await session.signOut())) {
      // The httpOnly cookie can only be dropped by the server, so staying is more honest than pretending.
      setSigningOut(false);
      setSignOutFailed(true);
    }
  }

  return (
    <>
      <AppHeader
        name={user.name}
        email={user.email}
        signingOut={signingOut}
        onSignOut={() => void signOut()}
        signingOutOthers={others === "working"}
        onSignOutOthers={() => void signOutOthers()}
      />
      {/* In the page from the start: screen readers ignore a region that arrives together with its text. */}
      <div aria-live="polite">
        {others === "done" && (
          <div className={styles.banner}>
            <Alert tone="info">
              Signed out everywhere else: every other browser and device now has to sign in again. You&apos;re still
              signed in here.
            </Alert>
          </div>
        )}
      </div>
      {others === "failed" && (
        <div className={styles.banner}>
          <Alert tone="error">Couldn&apos;t sign out your other sessions. Check your connection and try again.</Alert>
        </div>
      )}
      {signOutFailed && (
        <div className={styles.banner}>
          <Alert tone="error" takeFocus>
            Couldn&apos;t sign you out. Check your connection and try again.
          </Alert>
        </div>
      )}
      <TaskBoard api={session.api} userId={user.id} />
    </>
  );
}
