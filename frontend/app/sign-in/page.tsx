import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/AuthCard";
import { AuthForm } from "@/components/auth/AuthForm";
import { safeNextPath } from "@/lib/safe-next";
import { signInNotice } from "@/lib/sign-in-notice";
import { firstParam, type SearchParams } from "@/lib/search-params";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const next = safeNextPath(firstParam(params, "next"));
  const notice = signInNotice(firstParam(params, "reason"));

  return (
    <AuthCard
      title="Welcome back"
      subtitle="Sign in to see your tasks."
      footer={
        <>
          New here? <Link href={`/sign-up?next=${encodeURIComponent(next)}`}>Create an account</Link>
        </>
      }
    >
      <AuthForm mode="sign-in" next={next} notice={notice} />
    </AuthCard>
  );
}
