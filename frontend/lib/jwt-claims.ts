/** The claims the client needs from a Better Auth JWT: whose it is and how long it lives. */
export interface AccessToken {
  value: string;
  subject: string;
  /** Milliseconds since the epoch. */
  issuedAt: number;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * Reads `sub`, `iat` and `exp` from a JWT without verifying it.
 *
 * The browser only needs to know when to refresh and which user path to call;
 * the API verifies the signature against the JWKS, so nothing here is trusted.
 */
export function readAccessToken(value: string): AccessToken {
  const payloadPart = value.split(".")[1];
  if (!payloadPart) throw new Error("The token is not a JWT (no payload part).");

  const payload: unknown = JSON.parse(decodeBase64Url(payloadPart));
  if (!isRecord(payload)) throw new Error("The token payload is not a JSON object.");
  const { sub, iat, exp } = payload;
  if (typeof sub !== "string" || typeof exp !== "number") {
    throw new Error("The token payload lacks `sub` or `exp`.");
  }
  const expiresAt = exp * 1000;
  return {
    value,
    subject: sub,
    issuedAt: typeof iat === "number" ? iat * 1000 : expiresAt,
    expiresAt,
  };
}

function decodeBase64Url(part: string): string {
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
