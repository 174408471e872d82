/**
 * Signing out reaches the API: the real API, polling this app's revocation
 * feed, refuses a token of a signed-out session, or of a deleted account,
 * within a couple of seconds, long before the token would expire, while the
 * same person's other session goes on working.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { API_URL, WEB_URL } from "./support/env";

const PASSWORD = "correct horse battery staple";
/** The feed is polled twice a second; refusals must come well inside the 8 s a test token lives. */
const REFUSED_WITHIN_MS = 3_000;

async function auth(path: string, init: { body?: object; cookie: string }): Promise<Response> {
  return fetch(`${WEB_URL}/api/auth${path}`, {
    method: init.body ? "POST" : "GET",
    headers: { "content-type": "application/json", origin: WEB_URL, cookie: init.cookie },
    body: init.body && JSON.stringify(init.body),
  });
}

function cookieOf(response: Response): string {
  assert.equal(response.status, 200);
  return response.headers
    .getSetCookie()
    .map((header) => header.split(";")[0] ?? "")
    .filter((pair) => pair.includes("session_token="))
    .join("; ");
}

async function tokenFor(cookie: string): Promise<{ token: string; exp: number }> {
  const { token } = (await (await auth("/token", { cookie })).json()) as { token: string };
  const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { exp: number };
  return { token, exp: claims.exp * 1000 };
}

const me = (token: string) => fetch(`${API_URL}/api/me`, { headers: { authorization: `Bearer ${token}` } });

/** Milliseconds until the API refuses `token` (401); fails past REFUSED_WITHIN_MS. */
async function refusal(token: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const answer = await me(token);
    if (answer.status === 401) {
      const body = (await answer.json()) as { error_type: string };
      assert.equal(body.error_type, "authentication_error");
      return Date.now() - started;
    }
    assert.equal(answer.status, 200);
    assert.ok(Date.now() - started < REFUSED_WITHIN_MS, `still accepted after ${REFUSED_WITHIN_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function signUp(): Promise<{ email: string; cookie: string }> {
  const email = `revoked-${randomUUID().slice(0, 8)}@example.com`;
  const cookie = cookieOf(await auth("/sign-up/email", { body: { name: "Rory Revoked", email, password: PASSWORD }, cookie: "" }));
  return { email, cookie };
}

test("a token of a signed-out session is refused by the API at once; the person's other session still works", async () => {
  const { email, cookie } = await signUp();
  const laptop = cookieOf(await auth("/sign-in/email", { body: { email, password: PASSWORD }, cookie: "" }));
  const signedOut = await tokenFor(cookie);
  const other = await tokenFor(laptop);
  assert.equal((await me(signedOut.token)).status, 200);

  assert.equal((await auth("/sign-out", { body: {}, cookie })).status, 200);
  await refusal(signedOut.token);
  assert.ok(Date.now() < signedOut.exp, "refused before the token expired");
  assert.equal((await me(other.token)).status, 200, "the other session's token is still good");
});

test("a deleted account's tokens are refused by the API at once", async () => {
  const { cookie } = await signUp();
  const { token, exp } = await tokenFor(cookie);
  assert.equal((await me(token)).status, 200);
  assert.equal((await auth("/delete-user", { body: { password: PASSWORD }, cookie })).status, 200);
  await refusal(token);
  assert.ok(Date.now() < exp, "refused before the token expired");
});
