import assert from "node:assert/strict";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { AUTH_BODY_MAX, isAuthPath, withinBodyLimit } from "@/lib/body-limit";
import { freshAddress, freshEmail, sharedDatabase, startAuth } from "./auth-server";

// The limit as server.ts applies it, in front of the web app's real Better Auth: an oversized body
// is answered 413 before it is read, a small one (chunked too) still signs a person up.
const database = sharedDatabase();
let server: Server;
let port: number;
/** Requests that got past the limit to Better Auth. */
let reached = 0;

async function toWebRequest(request: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers.set(name, value);
  headers.set("x-forwarded-for", freshAddress());
  return new Request(`${database.env.BETTER_AUTH_URL}${request.url}`, {
    method: request.method,
    headers,
    body: chunks.length ? Buffer.concat(chunks) : undefined,
  });
}

before(async () => {
  const { auth } = await startAuth(database.env);
  server = createServer(async (request, response) => {
    const admitted = await withinBodyLimit(request, response);
    if (!admitted) return;
    reached += 1;
    const answer = await auth.handler(await toWebRequest(admitted));
    answer.headers.forEach((value, name) => name !== "set-cookie" && response.setHeader(name, value));
    response.setHeader("set-cookie", answer.headers.getSetCookie());
    response.writeHead(answer.status);
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.close();
  database.remove();
});

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

/**
 * POSTs to `path`: `chunks` written one by one, chunked unless `contentLength` is given (then the
 * request is left open, however many bytes were written). Resolves with the answer.
 */
function post(path: string, chunks: string[], contentLength?: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json", origin: database.env.BETTER_AUTH_URL! };
    if (contentLength !== undefined) headers["content-length"] = String(contentLength);
    const request = httpRequest({ host: "127.0.0.1", port, path, method: "POST", headers }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    // The server may close the connection while the body is still being sent: its answer counts.
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    request.flushHeaders();
    for (const chunk of chunks) request.write(chunk);
    if (contentLength === undefined) request.end();
  });
}

function signUpBody(name: string): string {
  return JSON.stringify({ name, email: freshEmail("body"), password: "correct horse battery" });
}

test("a declared body over the limit is answered 413 before any of it is sent", async () => {
  const before = reached;
  // Ten megabytes announced, not one byte sent: the answer comes anyway.
  const answer = await post("/api/auth/update-user", [], 10_000_000);
  assert.equal(answer.status, 413);
  assert.equal(answer.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(answer.body), {
    code: "REQUEST_BODY_TOO_LARGE",
    message: `The request body must be at most ${AUTH_BODY_MAX} bytes.`,
  });
  assert.equal(reached, before);
});

test("a chunked body is refused once it passes the limit", async () => {
  const before = reached;
  const piece = "x".repeat(8 * 1024);
  const answer = await post("/api/auth/sign-up/email", Array.from({ length: 8 }, () => piece));
  assert.equal(answer.status, 413);
  assert.equal(JSON.parse(answer.body).code, "REQUEST_BODY_TOO_LARGE");
  assert.equal(reached, before);
});

test("a small chunked sign-up reaches Better Auth whole and signs the person up", async () => {
  const body = signUpBody("Chunked Person");
  const answer = await post("/api/auth/sign-up/email", [body.slice(0, 10), body.slice(10)]);
  assert.equal(answer.status, 200, answer.body);
  assert.equal(JSON.parse(answer.body).user.name, "Chunked Person");
});

test("a sign-up with Content-Length within the limit goes through", async () => {
  const body = signUpBody("Plain Person");
  const answer = await post("/api/auth/sign-up/email", [body], Buffer.byteLength(body));
  assert.equal(answer.status, 200, answer.body);
  assert.ok(answer.headers["set-cookie"]?.some((cookie) => cookie.startsWith("better-auth.session_token=")));
});

test("every spelling of Better Auth's path is limited, and only that path", () => {
  for (const path of ["/api/auth/update-user", "/api/auth", "//api//auth/update-user", "/api/%61uth/update-user", "/API/Auth/x?y=1"]) {
    assert.ok(isAuthPath(path), path);
  }
  for (const path of ["/", "/tasks", "/api/authx", "/sign-in?next=/api/auth/x"]) assert.ok(!isAuthPath(path), path);
});
