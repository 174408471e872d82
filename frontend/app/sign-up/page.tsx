import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/AuthCard";
import { AuthForm } from "@/components/auth/AuthForm";
import { safeNextPath } from "@/lib/safe-next";
import { firstParam, type SearchParams } from "@/lib/search-params";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const next = safeNextPath(firstParam(await searchParams, "next"));

  return (
    <AuthCard
      title="Create your account"
      subtitle="Keep track of what needs doing, from anywhere."
      footer={
        <>
          Already have an account? <Link href={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</Link>
        </>
      }
    >
      <AuthForm mode="sign-up" next={next} />
    </AuthCard>
  );
}
