import { IncomingMessage, type ServerResponse } from "node:http";

/**
 * The largest request body Better Auth's routes take. Its biggest honest body (a sign-up:
 * name, email, password, each capped in lib/validation.ts) is well under 1 KB; 32 KB leaves
 * room for the admin plugin's requests, while a client can no longer make the server parse
 * megabytes before the field limits (lib/user-fields.ts) turn it away.
 */
export const AUTH_BODY_MAX = 32 * 1024;

/** Whether `url` (a request's path and query) is one of Better Auth's routes. */
export function isAuthPath(url: string): boolean {
  // Read loosely (repeated slashes, escapes) so no spelling of the path slips past the limit.
  let pathname = url.split(/[?#]/)[0] ?? "";
  try {
    pathname = decodeURIComponent(pathname);
  } catch {
    // A malformed escape: judged as written.
  }
  pathname = pathname.replace(/\/{2,}/g, "/").toLowerCase();
  return pathname === "/api/auth" || pathname.startsWith("/api/auth/");
}

/** The 413's body, in Better Auth's own error shape ({code, message}). */
export const TOO_LARGE_BODY = JSON.stringify({
  code: "REQUEST_BODY_TOO_LARGE",
  message: `The request body must be at most ${AUTH_BODY_MAX} bytes.`,
});

/** A Content-Length over `max`; false when there is none (a chunked body) or it is within. */
export function declaredOver(contentLength: string | undefined, max: number): boolean {
  return contentLength !== undefined && !(Number(contentLength) <= max);
}

/**
 * Reads a body sent without Content-Length (chunked), stopping as soon as it passes `max`:
 * null then, the bytes otherwise.
 */
export async function readUpTo(body: AsyncIterable<Buffer | string>, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > max) return null;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/**
 * A copy of `request` whose body is `body`, read already, for Next.js to read again; with
 * Content-Length, as if the client had sent it so.
 */
export function replayRequest(request: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = new IncomingMessage(request.socket);
  replay.method = request.method;
  replay.url = request.url;
  replay.httpVersion = request.httpVersion;
  replay.httpVersionMajor = request.httpVersionMajor;
  replay.httpVersionMinor = request.httpVersionMinor;
  const headers = { ...request.headers, "content-length": String(body.length) };
  delete headers["transfer-encoding"];
  replay.headers = headers;
  replay.rawHeaders = Object.entries(headers).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value ?? ""]).flatMap((one) => [name, one]),
  );
  // Whole already: an incomplete message would be taken as aborted and close the connection.
  replay.complete = true;
  replay.push(body);
  replay.push(null);
  return replay;
}

/** 413 in Better Auth's error shape; the connection closes, so the unread body is never parsed. */
function refuseLargeBody(response: ServerResponse): void {
  response.writeHead(413, { "Content-Type": "application/json", Connection: "close" });
  response.end(TOO_LARGE_BODY);
}

/**
 * The request to hand on, or null once it was answered 413 for its body's size. A declared
 * Content-Length is judged before a byte is read (Node.js ends the body there); a chunked body
 * is read here up to the limit, and handed on as read.
 */
export async function withinBodyLimit(
  request: IncomingMessage,
  response: ServerResponse,
  max = AUTH_BODY_MAX,
): Promise<IncomingMessage | null> {
  if (!isAuthPath(request.url ?? "/")) return request;
  if (request.headers["transfer-encoding"] !== undefined) {
    const body = await readUpTo(request, max);
    if (body) return replayRequest(request, body);
  } else if (!declaredOver(request.headers["content-length"], max)) {
    return request;
  }
  refuseLargeBody(response);
  return null;
}
