import { redirectTo } from "@/lib/auth-alias";

/** `/signup`, as the plans name it, is the sign-up page. */
export const GET = redirectTo("/sign-up");
