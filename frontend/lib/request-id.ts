import { randomUUID } from "node:crypto";

// A client's id is echoed into logs and headers, so only a short, plain one is kept (as the API does).
const PLAIN_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's X-Request-ID if it is plain, else a fresh one. */
export function requestIdFor(received: string | string[] | undefined | null): string {
  return isPlainRequestId(received) ? received : randomUUID().replaceAll("-", "");
}

export function isPlainRequestId(value: unknown): value is string {
  return typeof value === "string" && PLAIN_REQUEST_ID.test(value);
}
