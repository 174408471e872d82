import type { Metadata } from "next";
import { getSessionCookie } from "better-auth/cookies";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { TasksScreen } from "@/components/tasks/TasksScreen";
import { getAuth } from "@/lib/auth";
import { readClientConfig } from "@/lib/client-config";
import { signInUrl } from "@/lib/safe-next";

export const metadata: Metadata = { title: "My tasks" };

export default async function TasksPage() {
  const requestHeaders = await headers();
  const session = await getAuth().api.getSession({ headers: requestHeaders });
  if (!session) {
    // A cookie without a live session means it expired or was signed out elsewhere.
    redirect(signInUrl("/tasks", getSessionCookie(requestHeaders) ? "expired" : undefined));
  }

  const { id, name, email } = session.user;
  return <TasksScreen user={{ id, name, email }} config={readClientConfig()} />;
}
