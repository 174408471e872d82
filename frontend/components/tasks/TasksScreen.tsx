"use client";

import { useState } from "react";
import { AppHeader } from "@/components/AppHeader";
import { Alert } from "@/components/ui/Alert";
import { authClient } from "@/lib/auth-client";
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

  async function signOut() {
    setSigningOut(true);
    setSignOutFailed(false);
    const failed = await authClient
      .signOut()
      .then(({ error }) => error !== null)
      .catch(() => true);
    if (failed) {
      // The httpOnly cookie can only be dropped by the server, so staying is more honest than pretending.
      setSigningOut(false);
      setSignOutFailed(true);
      return;
    }
    // Every other tab of this person leaves too, with the same message.
    session.exit.end("signed-out");
  }

  return (
    <>
      <AppHeader name={user.name} email={user.email} signingOut={signingOut} onSignOut={() => void signOut()} />
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
