import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";
import { signInUrl } from "@/lib/safe-next";

/**
 * Optimistic guard: no session cookie, no protected page. It only checks that
 * the cookie exists; the page itself validates the session before rendering.
 */
export function proxy(request: NextRequest) {
  if (getSessionCookie(request)) return NextResponse.next();
  const { pathname, search } = request.nextUrl;
  return NextResponse.redirect(new URL(signInUrl(`${pathname}${search}`), request.url));
}

export const config = {
  matcher: ["/tasks/:path*"],
};
