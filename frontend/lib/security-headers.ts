/**
 * The web app's own security headers, sent on every answer by proxy.ts: pages,
 * Better Auth's /api/auth/*, static files, error pages and redirects.
 *
 * The Content-Security-Policy carries a nonce made afresh for each request.
 * Next.js reads it back from the request's own Content-Security-Policy header
 * (which proxy.ts sets) and puts it on every script it writes into a page, so
 * scripts need neither 'unsafe-inline' nor 'unsafe-eval' in production.
 */
import { readClientConfig } from "./client-config";

/** One year, as the API's HSTS. */
export const HSTS_MAX_AGE_SECONDS = 31_536_000;

/** Powerful features the app never uses, switched off for it and for anything it might embed. */
export const DISABLED_FEATURES = [
  "accelerometer",
  "autoplay",
  "browsing-topics",
  "camera",
  "display-capture",
  "geolocation",
  "gyroscope",
  "hid",
  "magnetometer",
  "microphone",
  "midi",
  "payment",
  "serial",
  "usb",
] as const;

export interface PolicyOptions {
  /** The per-request nonce (base64). */
  nonce: string;
  /** `next dev`: React's development tooling needs eval, and the error overlay its own styles. */
  dev: boolean;
  /** Origins the browser may call besides this one: the task API, Better Auth's URL. */
  connectTo: string[];
  /** Served over TLS: ask the browser to upgrade any http:// subresource. */
  tls: boolean;
}

/** A fresh nonce: 16 random bytes, base64. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** The origin of `url`, or undefined for one that is not an absolute http(s) URL (a relative API path is 'self'). */
export function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The Content-Security-Policy for one answer. */
export function contentSecurityPolicy({ nonce, dev, connectTo, tls }: PolicyOptions): string {
  const connect = ["'self'", ...new Set(connectTo)];
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    // Next.js's files from this origin, and the inline scripts it writes into a page with the
    // request's nonce; no other inline script, event-handler attribute or javascript: URL.
    // No 'strict-dynamic': every script is this site's own, and with it Chromium also runs an
    // inline script that one of those adds to the page (a DOM injection the e2e tests try).
    ["script-src", "'self'", `'nonce-${nonce}'`, ...(dev ? ["'unsafe-eval'"] : [])],
    // Development only: the error overlay and fast refresh add <style> elements without a nonce
    // (a nonce in the list would make browsers ignore 'unsafe-inline').
    ["style-src", "'self'", ...(dev ? ["'unsafe-inline'"] : [`'nonce-${nonce}'`])],
    ["img-src", "'self'", "data:"],
    ["font-src", "'self'"],
    ["connect-src", ...connect],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'"],
    ["frame-ancestors", "'none'"],
  ];
  if (tls) directives.push(["upgrade-insecure-requests"]);
  return directives.map((directive) => directive.join(" ")).join("; ");
}

/**
 * Whether the app is served over TLS: its public URL, BETTER_AUTH_URL, is https.
 * That is the address people use and Better Auth's own test for Secure cookies; a TLS
 * front (nginx) speaks plain HTTP to the app, so the connection cannot tell.
 */
export function servedOverTls(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.BETTER_AUTH_URL ?? "").startsWith("https://");
}

/** Every security header of one answer, by name. */
export function securityHeaders(
  { nonce, dev }: { nonce: string; dev: boolean },
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const tls = servedOverTls(env);
  const connectTo = [originOf(readClientConfig(env).apiBaseUrl), originOf(env.BETTER_AUTH_URL)].filter(
    (origin): origin is string => origin !== undefined,
  );
  return {
    "Content-Security-Policy": contentSecurityPolicy({ nonce, dev, connectTo, tls }),
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": DISABLED_FEATURES.map((feature) => `${feature}=()`).join(", "),
    "Cross-Origin-Opener-Policy": "same-origin",
    ...(tls ? { "Strict-Transport-Security": `max-age=${HSTS_MAX_AGE_SECONDS}` } : {}),
  };
}
