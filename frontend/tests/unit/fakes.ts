import type { RequestLogEntry } from "@/lib/api";

/** An unsigned JWT with the given claims; the client never verifies signatures. */
export function fakeJwt(claims: { sub: string; iat: number; exp: number }, signature = "sig"): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "EdDSA", kid: "test-key" })}.${encode(claims)}.${signature}`;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Responder = (request: RecordedRequest) => Response | Promise<Response>;

/** A `fetch` that records each request and answers from a script of responders, in order. */
export function scriptedFetch(...responders: Responder[]) {
  const requests: RecordedRequest[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const request: RecordedRequest = {
      method: init.method ?? "GET",
      url: String(input),
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    const responder = responders[Math.min(requests.length - 1, responders.length - 1)];
    if (!responder) throw new Error("scriptedFetch has no responder");
    return responder(request);
  };
  return { fetch: fetchImpl as typeof fetch, requests };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export function apiError(status: number, errorType: string, detail: string, headers: Record<string, string> = {}) {
  return json(status, { detail, status_code: status, error_type: errorType }, headers);
}

export function networkFailure(): never {
  throw new TypeError("Failed to fetch");
}

export function collectLogs() {
  const entries: RequestLogEntry[] = [];
  return { entries, log: (entry: RequestLogEntry) => entries.push(entry) };
}

/** Records the pauses the client asks for instead of waiting them out. */
export function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}
