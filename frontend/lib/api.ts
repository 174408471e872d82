/**
 * The one place where the browser talks to the Django task API.
 *
 * Every call carries `Authorization: Bearer <jwt>` from the in-memory token
 * store, has a timeout, and maps failures to `ApiError`:
 * - 401: refresh the token once (shared by concurrent calls) and resend once;
 *   a second 401 ends the session here and sends the person to sign in.
 * - 403: an `ApiError` for the page to show; never a redirect (no loops).
 * - no answer, 429 or 5xx: GETs are retried with backoff; writes are not
 *   repeated behind the person's back, the page offers a retry instead.
 * - a call given an `AbortSignal` stops when it is aborted, retries included,
 *   and fails with an `ApiError` of kind "aborted".
 */
import { ApiError, parseRetryAfter, type ApiErrorBody } from "./api-error";
import type { AccessToken } from "./jwt-claims";
import type { NewTask, Task, TaskChanges, TaskId } from "./task";
import { listQueryParams, type TaskListRequest } from "./task-list-query";
import { SessionEndedError, type TokenStore } from "./token-store";

type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface RequestLogEntry {
  method: HttpMethod;
  /** Path only: no query string, no headers, never the token. */
  path: string;
  status: number | "network-error" | "timeout";
  durationMs: number;
}

export interface ApiClientOptions {
  baseUrl: string;
  tokens: Pick<TokenStore, "get" | "refresh" | "clear">;
  /** Called once when the session is over; the page saves drafts and goes to sign-in. */
  onSessionEnded: () => void;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Pauses between attempts of a GET; one retry per entry. */
  getRetryDelaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
  log?: (entry: RequestLogEntry) => void;
}

interface ApiReply {
  status: number;
  headers: Headers;
  body: unknown;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_GET_RETRY_DELAYS_MS = [500, 1500, 4000] as const;
/** A `Retry-After` longer than this is not waited out inside one call; the page offers a retry. */
const MAX_RETRY_AFTER_MS = 5_000;

/**
 * How many tasks a list holds, as `X-Total-Count` says it: a number, exact, or `{ moreThan }` when the
 * API stopped counting (`1000+`: a search that matches more than 1000 tasks).
 */
export type Count = number | { moreThan: number };

/** `X-Total-Count` read: `120` is 120, `1000+` more than 1000; anything else is unknown (null), never a guess. */
export function parseTotal(header: string | null): Count | null {
  const match = /^([0-9]+)(\+?)$/.exec(header ?? "");
  const count = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(count)) return null;
  return match[2] ? { moreThan: count } : count;
}

/** One page of a list, as the API's keyset paging gives it. */
export interface TaskListPage {
  tasks: Task[];
  /** `X-Total-Count`: how many tasks the whole list (all pages) holds; null when the API left it out. */
  total: Count | null;
  /** The cursor of the next page (from `Link: rel="next"`), or null on the last page. */
  next: string | null;
}

export function createApiClient(options: ApiClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const getRetryDelaysMs = options.getRetryDelaysMs ?? DEFAULT_GET_RETRY_DELAYS_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = options.log ?? (() => undefined);
  let sessionEnded = false;

  function endSession(): never {
    if (!sessionEnded) {
      sessionEnded = true;
      options.tokens.clear();
      options.onSessionEnded();
    }
    throw new ApiError("session_ended", "Your session has expired.");
  }

  async function obtainToken(getToken: () => Promise<AccessToken>): Promise<AccessToken> {
    try {
      return await getToken();
    } catch (error) {
      if (error instanceof SessionEndedError) endSession();
      // Better Auth itself is unreachable: that says nothing about the session, so no sign-out.
      throw new ApiError("network", "Could not renew the sign-in token.");
    }
  }

  async function attempt(
    method: HttpMethod,
    path: string,
    token: string,
    body: unknown,
    ifMatch?: string,
    signal?: AbortSignal,
  ): Promise<ApiReply> {
    if (signal?.aborted) throw aborted();
    const startedAt = performance.now();
    const elapsed = () => Math.round(performance.now() - startedAt);
    const logPath = path.split("?")[0] ?? path;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const cancel = () => controller.abort();
    signal?.addEventListener("abort", cancel);
    const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (ifMatch !== undefined) headers["If-Match"] = ifMatch;

    try {
      const response = await fetchImpl(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        credentials: "omit", // the API trusts the bearer token only; no cookies cross origins
        cache: "no-store",
      });
      const reply = { status: response.status, headers: response.headers, body: await readJson(response) };
      log({ method, path: logPath, status: reply.status, durationMs: elapsed() });
      return reply;
    } catch (error) {
      if (signal?.aborted && !timedOut) throw aborted(); // the caller wants no answer any more: nothing to log
      log({ method, path: logPath, status: timedOut ? "timeout" : "network-error", durationMs: elapsed() });
      throw timedOut
        ? new ApiError("timeout", "The request timed out.")
        : new ApiError("network", error instanceof Error ? error.message : "The request failed.");
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", cancel);
    }
  }

  /** One attempt for writes; GETs are idempotent, so they are retried on transient failures. */
  async function attemptWithRetries(
    method: HttpMethod,
    path: string,
    token: string,
    body: unknown,
    ifMatch?: string,
    signal?: AbortSignal,
  ): Promise<ApiReply> {
    const delays = method === "GET" ? getRetryDelaysMs : [];
    for (let retry = 0; ; retry += 1) {
      const delay = delays[retry];
      try {
        const reply = await attempt(method, path, token, body, ifMatch, signal);
        if (delay === undefined || !isTransientStatus(reply.status)) return reply;
        const retryAfterMs = (parseRetryAfter(reply.headers.get("Retry-After")) ?? 0) * 1000;
        await sleep(Math.max(delay, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)));
      } catch (error) {
        if (delay === undefined || signal?.aborted) throw error;
        await sleep(delay);
      }
    }
  }

  async function call(
    method: HttpMethod,
    pathFor: (userId: string) => string,
    body?: unknown,
    ifMatch?: string,
    signal?: AbortSignal,
  ): Promise<ApiReply> {
    if (sessionEnded) throw new ApiError("session_ended", "Your session has expired.");
    let token = await obtainToken(() => options.tokens.get());
    let reply = await attemptWithRetries(method, pathFor(token.subject), token.value, body, ifMatch, signal);
    if (reply.status === 401) {
      // A 401 means the API refused the token before doing anything, so resending a write is safe.
      const rejected = token.value;
      token = await obtainToken(() => options.tokens.refresh(rejected));
      reply = await attemptWithRetries(method, pathFor(token.subject), token.value, body, ifMatch, signal);
      if (reply.status === 401) endSession();
    }
    if (reply.status >= 400) throw toApiError(reply);
    return reply;
  }

  const tasksPath = (userId: string) => `/api/${encodeURIComponent(userId)}/tasks`;
  const taskPath = (userId: string, id: TaskId) => `${tasksPath(userId)}/${encodeURIComponent(String(id))}`;

  return {
    /**
     * One page of the signed-in person's list: status, search and order as asked, starting after the
     * cursor `request.after` (the first page without it). Keyset paging: a deep page costs the API no
     * more than the first, and a task added or deleted meanwhile shifts no page boundary.
     */
    async listTasks(request: TaskListRequest = {}, { signal }: { signal?: AbortSignal } = {}): Promise<TaskListPage> {
      const query = listQueryParams(request);
      const reply = await call("GET", (userId) => `${tasksPath(userId)}?${query}`, undefined, undefined, signal);
      return {
        tasks: expectArray<Task>(reply.body),
        total: parseTotal(reply.headers.get("X-Total-Count")),
        next: nextCursor(reply.headers.get("Link")),
      };
    },

    async createTask(input: NewTask): Promise<Task> {
      return (await call("POST", tasksPath, input)).body as Task;
    },

    /** `ifMatch` (see `taskVersion`) makes the write conditional: 412 if the task changed meanwhile. */
    async updateTask(id: TaskId, changes: TaskChanges, ifMatch?: string): Promise<Task> {
      return (await call("PATCH", (userId) => taskPath(userId, id), changes, ifMatch)).body as Task;
    },

    async setTaskCompleted(id: TaskId, completed: boolean, ifMatch?: string): Promise<Task> {
      const path = (userId: string) => `${taskPath(userId, id)}/complete`;
      return (await call("PATCH", path, { completed }, ifMatch)).body as Task;
    },

    async deleteTask(id: TaskId, ifMatch?: string): Promise<void> {
      await call("DELETE", (userId) => taskPath(userId, id), undefined, ifMatch);
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toApiError(reply: ApiReply): ApiError {
  const body = (typeof reply.body === "object" && reply.body !== null ? reply.body : {}) as ApiErrorBody;
  return new ApiError("http", body.detail ?? `The task service answered ${reply.status}.`, {
    status: reply.status,
    errorType: body.error_type,
    fieldErrors: body.errors,
    retryAfterSeconds: parseRetryAfter(reply.headers.get("Retry-After")),
  });
}

function expectArray<T>(body: unknown): T[] {
  if (!Array.isArray(body)) throw new ApiError("http", "The task service sent an unexpected list.", { status: 200 });
  return body as T[];
}

function aborted(): ApiError {
  return new ApiError("aborted", "The request was cancelled.");
}

/** The `after` cursor in a `Link: <…>; rel="next"` header, or null when there is no next page. */
export function nextCursor(link: string | null): string | null {
  for (const part of (link ?? "").split(",")) {
    const match = /^\s*<([^>]*)>\s*;\s*rel="?next"?\s*$/.exec(part);
    if (!match?.[1]) continue;
    try {
      return new URL(match[1], "http://link.invalid").searchParams.get("after");
    } catch {
      return null;
    }
  }
  return null;
}
