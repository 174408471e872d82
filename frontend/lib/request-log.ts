import type { RequestLogEntry } from "./api";

/** Console logging of API traffic for `NEXT_PUBLIC_API_DEBUG=1`: method, path, status and time only. */
export function createRequestLogger(enabled: boolean): ((entry: RequestLogEntry) => void) | undefined {
  if (!enabled) return undefined;
  return ({ method, path, status, durationMs }) => {
    console.debug(`[api] ${method} ${path} -> ${status} (${durationMs} ms)`);
  };
}
