import { redirectTo } from "@/lib/auth-alias";

/** `/login`, as the plans name it, is the sign-in page. */
export const GET = redirectTo("/sign-in");
