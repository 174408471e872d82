import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";
import { signInUrl } from "@/lib/safe-next";
import { newNonce, securityHeaders } from "@/lib/security-headers";

/** Pages that need a session; the rest of the site is public. */
const PROTECTED = /^\/tasks(\/|$)/;

/**
 * Runs before every request: gives every answer the security headers
 * (lib/security-headers.ts), with a fresh Content-Security-Policy nonce that
 * Next.js reads back from the request to put on the scripts it writes.
 *
 * Also an optimistic guard: no session cookie, no protected page. It only checks
 * that the cookie exists; the page itself validates the session before rendering.
 */
export function proxy(request: NextRequest) {
  const headers = securityHeaders({ nonce: newNonce(), dev: process.env.NODE_ENV === "development" });
  const { pathname, search } = request.nextUrl;

  let response: NextResponse;
  if (PROTECTED.test(pathname) && !getSessionCookie(request)) {
    response = NextResponse.redirect(new URL(signInUrl(`${pathname}${search}`), request.url));
  } else {
    // Whatever policy the client sent is replaced: Next.js takes its nonce from this header.
    const requestHeaders = new Headers(request.headers);
    requestHeaders.set("content-security-policy", headers["Content-Security-Policy"]!);
    response = NextResponse.next({ request: { headers: requestHeaders } });
  }
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Every path: pages, /api/auth/*, /_next/static/*, icons, and paths that do not exist.
  matcher: ["/:path*"],
};
