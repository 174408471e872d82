import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createApiClient, type ApiClientOptions } from "@/lib/api";
import { ApiError, describeApiError } from "@/lib/api-error";
import { taskVersion } from "@/lib/task";
import { createTokenStore, SessionEndedError } from "@/lib/token-store";
import {
  apiError,
  collectLogs,
  fakeJwt,
  json,
  networkFailure,
  recordingSleep,
  scriptedFetch,
} from "./fakes";

const BASE_URL = "http://api.test";
const NOW = 1_800_000_000_000;
const USER = "user-1";
const TASK = {
  id: 7,
  user_id: USER,
  title: "Water the plants",
  description: "",
  completed: false,
  created_at: "2026-01-01T10:00:00Z",
  updated_at: "2026-01-01T10:00:00Z",
};

/** Better Auth's token endpoint, faked: each call issues the next token for USER. */
function fakeBetterAuth(options: { sessionEnded?: boolean } = {}) {
  let issued = 0;
  const fetchToken = async () => {
    issued += 1;
    if (options.sessionEnded) throw new SessionEndedError();
    const iat = Math.floor(NOW / 1000);
    return fakeJwt({ sub: USER, iat, exp: iat + 900 }, `signature-${issued}`);
  };
  return { fetchToken, issuedCount: () => issued };
}

function setUp(fetchImpl: typeof fetch, overrides: Partial<ApiClientOptions> & { sessionEnded?: boolean } = {}) {
  const auth = fakeBetterAuth({ sessionEnded: overrides.sessionEnded });
  const tokens = createTokenStore({ fetchToken: auth.fetchToken, now: () => NOW });
  let sessionEndedCalls = 0;
  const { sleep, delays } = recordingSleep();
  const api = createApiClient({
    baseUrl: `${BASE_URL}/`,
    tokens,
    onSessionEnded: () => void (sessionEndedCalls += 1),
    fetch: fetchImpl,
    sleep,
    ...overrides,
  });
  return { api, auth, delays, sessionEndedCalls: () => sessionEndedCalls };
}

describe("every request", () => {
  test("carries the bearer token, JSON and the user's path under the base URL", async () => {
    const server = scriptedFetch(() => json(201, TASK));
    const { api } = setUp(server.fetch);

    const created = await api.createTask({ title: "Water the plants" });

    assert.deepEqual(created, TASK);
    const [request] = server.requests;
    assert.equal(request?.method, "POST");
    assert.equal(request?.url, `${BASE_URL}/api/${USER}/tasks`);
    assert.equal(request?.headers.Authorization, `Bearer ${fakeJwt({ sub: USER, iat: NOW / 1000, exp: NOW / 1000 + 900 }, "signature-1")}`);
    assert.equal(request?.headers["Content-Type"], "application/json");
    assert.equal(request?.headers.Accept, "application/json");
    assert.deepEqual(request?.body, { title: "Water the plants" });
  });

  test("sends If-Match when a write names the version it started from, and reports a stale one", async () => {
    const server = scriptedFetch(
      () => json(200, { ...TASK, title: "Water the ferns" }),
      () => apiError(412, "precondition_failed", "Precondition failed - the task changed since you read it"),
    );
    const { api } = setUp(server.fetch);
    const version = taskVersion(TASK);

    await api.updateTask(7, { title: "Water the ferns" }, version);
    const stale = await api.deleteTask(7, version).catch((error: unknown) => error);

    assert.equal(version, `"7:${TASK.updated_at}"`);
    assert.deepEqual(
      server.requests.map((request) => request.headers["If-Match"]),
      [version, version],
    );
    assert.ok(stale instanceof ApiError);
    assert.equal(stale.status, 412);
    assert.match(describeApiError(stale), /changed in another window/);
  });

  test("sends no If-Match when none is given: the last write wins", async () => {
    const server = scriptedFetch(() => json(200, TASK));
    const { api } = setUp(server.fetch);

    await api.setTaskCompleted(7, true);

    assert.equal(server.requests[0]?.headers["If-Match"], undefined);
  });

  test("reuses the token while it is fresh", async () => {
    const server = scriptedFetch(() => json(200, []));
    const { api, auth } = setUp(server.fetch);

    await api.listTasks();
    await api.listTasks({ status: "pending" });

    assert.equal(auth.issuedCount(), 1);
    assert.equal(
      server.requests[1]?.url,
      `${BASE_URL}/api/${USER}/tasks?status=pending&ordering=-created_at&limit=50&after=`,
    );
  });

  test("uses the contract's endpoints for complete, update and delete", async () => {
    const server = scriptedFetch(
      () => json(200, { ...TASK, completed: true }),
      () => json(200, { ...TASK, title: "Water the ferns" }),
      () => new Response(null, { status: 204 }),
    );
    const { api } = setUp(server.fetch);

    await api.setTaskCompleted(7, true);
    await api.updateTask(7, { title: "Water the ferns" });
    assert.equal(await api.deleteTask(7), undefined);

    assert.deepEqual(
      server.requests.map((request) => [request.method, request.url.replace(BASE_URL, ""), request.body]),
      [
        ["PATCH", `/api/${USER}/tasks/7/complete`, { completed: true }],
        ["PATCH", `/api/${USER}/tasks/7`, { title: "Water the ferns" }],
        ["DELETE", `/api/${USER}/tasks/7`, undefined],
      ],
    );
  });

});

describe("a page of the list", () => {
  const NEXT = `<${BASE_URL}/api/${USER}/tasks?status=all&ordering=title&limit=50&after=WyJ0aXRsZSIsIkIiLDJd>; rel="next"`;

  test("is one request: its tasks, the list's total and the next page's cursor", async () => {
    const server = scriptedFetch(() => json(200, [TASK], { "X-Total-Count": "2000", Link: NEXT }));
    const { api } = setUp(server.fetch);

    const page = await api.listTasks({ status: "completed", search: "  milk ", sort: "title" });

    assert.deepEqual(page, { tasks: [TASK], total: 2000, next: "WyJ0aXRsZSIsIkIiLDJd" });
    assert.equal(server.requests.length, 1);
    const url = new URL(server.requests[0]?.url ?? "");
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      status: "completed",
      ordering: "title",
      limit: "50",
      after: "",
      search: "milk",
    });
  });

  test("asks for the page after a cursor; the last page has no next and an empty search is left out", async () => {
    const server = scriptedFetch(() => json(200, [TASK], { "X-Total-Count": "51" }));
    const { api } = setUp(server.fetch);

    const page = await api.listTasks({ after: "abc", search: "   ", sort: "updated" });

    assert.deepEqual([page.total, page.next], [51, null]);
    assert.match(server.requests[0]?.url ?? "", /\?status=all&ordering=-updated_at&limit=50&after=abc$/);
  });

  test("a total the API stopped counting is more than that number: 1000+", async () => {
    const server = scriptedFetch(() => json(200, [TASK], { "X-Total-Count": "1000+", Link: NEXT }));
    const { api } = setUp(server.fetch);

    const page = await api.listTasks({ search: "task" });

    assert.deepEqual(page.total, { moreThan: 1000 });
  });

  test("a total it cannot read is unknown, never a guess", async () => {
    for (const header of ["1000++", "+", "-3", "1e3", "12.5", "1000+5", "99999999999999999999"]) {
      const server = scriptedFetch(() => json(200, [TASK], { "X-Total-Count": header }));
      const { api } = setUp(server.fetch);
      assert.equal((await api.listTasks()).total, null, header);
    }
  });

  test("a cancelled page stops, retries included, with an error the page keeps quiet about", async () => {
    const controller = new AbortController();
    const server = scriptedFetch(() => {
      controller.abort();
      return networkFailure();
    });
    const { api, delays } = setUp(server.fetch, { getRetryDelaysMs: [100, 300] });

    const error = await api.listTasks({}, { signal: controller.signal }).catch((caught: unknown) => caught);

    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, "aborted");
    assert.equal(error.isTransient, false);
    assert.deepEqual([server.requests.length, delays], [1, []]);
  });

  test("a call made with a signal already aborted sends nothing", async () => {
    const server = scriptedFetch(() => json(200, []));
    const { api } = setUp(server.fetch);

    const error = await api.listTasks({}, { signal: AbortSignal.abort() }).catch((caught: unknown) => caught);

    assert.ok(error instanceof ApiError && error.kind === "aborted");
    assert.equal(server.requests.length, 0);
  });
});

describe("401", () => {
  test("refreshes the token once and resends the request once", async () => {
    const server = scriptedFetch(
      () => apiError(401, "authentication_error", "Unauthorized - Invalid or expired token"),
      () => json(201, TASK),
    );
    const { api, auth, sessionEndedCalls } = setUp(server.fetch);

    const created = await api.createTask({ title: "Water the plants" });

    assert.deepEqual(created, TASK);
    assert.equal(auth.issuedCount(), 2);
    assert.equal(server.requests.length, 2);
    assert.notEqual(server.requests[0]?.headers.Authorization, server.requests[1]?.headers.Authorization);
    assert.match(server.requests[1]?.headers.Authorization ?? "", /signature-2$/);
    assert.equal(sessionEndedCalls(), 0);
  });

  test("a second 401 drops the token and sends the person to sign in, once", async () => {
    const server = scriptedFetch(() => apiError(401, "authentication_error", "Unauthorized - Invalid or expired token"));
    const { api, sessionEndedCalls } = setUp(server.fetch);

    await assert.rejects(api.listTasks(), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.kind, "session_ended");
      return true;
    });
    await assert.rejects(api.listTasks(), ApiError);

    assert.equal(server.requests.length, 2, "one try and one retry, then nothing more");
    assert.equal(sessionEndedCalls(), 1);
  });

  test("a token request refused by Better Auth ends the session without calling the API", async () => {
    const server = scriptedFetch(() => json(200, []));
    const { api, sessionEndedCalls } = setUp(server.fetch, { sessionEnded: true });

    await assert.rejects(api.listTasks(), (error: unknown) => error instanceof ApiError && error.kind === "session_ended");

    assert.equal(server.requests.length, 0);
    assert.equal(sessionEndedCalls(), 1);
  });

  test("concurrent requests that all get 401 share one refresh", async () => {
    const server = scriptedFetch((request) =>
      request.headers.Authorization?.endsWith("signature-1")
        ? apiError(401, "authentication_error", "Unauthorized - Invalid or expired token")
        : json(200, [TASK]),
    );
    const { api, auth } = setUp(server.fetch);

    const lists = await Promise.all(Array.from({ length: 5 }, () => api.listTasks()));

    assert.equal(lists.length, 5);
    assert.equal(auth.issuedCount(), 2, "the first token, then exactly one refresh");
    assert.equal(server.requests.length, 10);
  });
});

describe("403", () => {
  test("is an access-denied error: no refresh, no redirect", async () => {
    const server = scriptedFetch(() =>
      apiError(403, "permission_denied", "Forbidden - you may only access your own tasks"),
    );
    const { api, auth, sessionEndedCalls } = setUp(server.fetch);

    const error = await api.listTasks().catch((caught: unknown) => caught);

    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 403);
    assert.equal(error.errorType, "permission_denied");
    assert.equal(error.isTransient, false);
    assert.match(describeApiError(error), /^Access denied/);
    assert.equal(server.requests.length, 1);
    assert.equal(auth.issuedCount(), 1);
    assert.equal(sessionEndedCalls(), 0);
  });
});

describe("network failures and 5xx", () => {
  test("a GET is retried with growing pauses and then succeeds", async () => {
    const server = scriptedFetch(networkFailure, networkFailure, () => json(200, [TASK]));
    const { api, delays } = setUp(server.fetch, { getRetryDelaysMs: [100, 300, 900] });

    assert.equal((await api.listTasks()).tasks.length, 1);
    assert.equal(server.requests.length, 3);
    assert.deepEqual(delays, [100, 300]);
  });

  test("a GET gives up after its retries with a network error", async () => {
    const server = scriptedFetch(networkFailure);
    const { api } = setUp(server.fetch, { getRetryDelaysMs: [100, 300] });

    const error = await api.listTasks().catch((caught: unknown) => caught);

    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, "network");
    assert.equal(error.isTransient, true);
    assert.equal(server.requests.length, 3);
  });

  test("a 503 with Retry-After is retried after the pause it asks for, not signed out", async () => {
    const server = scriptedFetch(
      () => apiError(503, "service_unavailable", "Service unavailable", { "Retry-After": "2" }),
      () => json(200, [TASK]),
    );
    const { api, delays, sessionEndedCalls } = setUp(server.fetch, { getRetryDelaysMs: [100] });

    assert.equal((await api.listTasks()).tasks.length, 1);
    assert.deepEqual(delays, [2000]);
    assert.equal(sessionEndedCalls(), 0);
  });

  test("writes are never repeated behind the person's back", async () => {
    for (const failure of [networkFailure, () => apiError(503, "service_unavailable", "Service unavailable")]) {
      const server = scriptedFetch(failure, () => json(201, TASK));
      const { api, delays } = setUp(server.fetch);

      const error = await api.createTask({ title: "Water the plants" }).catch((caught: unknown) => caught);

      assert.ok(error instanceof ApiError);
      assert.equal(error.isTransient, true, "the page offers a retry button instead");
      assert.equal(server.requests.length, 1);
      assert.deepEqual(delays, []);
    }
  });

  test("a request without an answer in time fails as a timeout", async () => {
    const hang = (_input: RequestInfo | URL, init: RequestInit = {}) =>
      new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    const { api } = setUp(hang as typeof fetch, { timeoutMs: 20, getRetryDelaysMs: [] });

    const error = await api.listTasks().catch((caught: unknown) => caught);

    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, "timeout");
  });

  test("validation errors keep the field messages", async () => {
    const server = scriptedFetch(() =>
      json(400, {
        detail: "Bad request - invalid input; see errors",
        status_code: 400,
        error_type: "validation_error",
        errors: { title: ["Ensure this field has no more than 200 characters."] },
      }),
    );
    const { api } = setUp(server.fetch);

    const error = await api.createTask({ title: "x".repeat(201) }).catch((caught: unknown) => caught);

    assert.ok(error instanceof ApiError);
    assert.equal(describeApiError(error), "Ensure this field has no more than 200 characters.");
  });
});

describe("debug log", () => {
  test("records method, path, status and duration, and never the token or the query", async () => {
    const server = scriptedFetch(() => apiError(401, "authentication_error", "expired"), () => json(200, []));
    const { entries, log } = collectLogs();
    const { api } = setUp(server.fetch, { log });

    await api.listTasks({ status: "completed" });

    assert.deepEqual(
      entries.map(({ method, path, status }) => ({ method, path, status })),
      [
        { method: "GET", path: `/api/${USER}/tasks`, status: 401 },
        { method: "GET", path: `/api/${USER}/tasks`, status: 200 },
      ],
    );
    assert.ok(entries.every((entry) => typeof entry.durationMs === "number" && entry.durationMs >= 0));
    assert.doesNotMatch(JSON.stringify(entries), /signature|Bearer|eyJ|status=/);
  });
});
