import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DATABASE_KIND, freshAddress, freshEmail, sessionCookie, sharedDatabase, startAuth } from "./auth-server";

// The web app's Better Auth with its real limits: one person at an address asking for tokens
// must not stop the others there from getting theirs (and so from reaching the API).
const database = sharedDatabase();
let server: Awaited<ReturnType<typeof startAuth>>;
before(async () => {
  server = await startAuth(database.env);
});
after(() => database.remove());

function token(peer: string, cookie?: string): Promise<Response> {
  const headers: Record<string, string> = { "x-forwarded-for": peer };
  if (cookie) headers.cookie = cookie;
  return server.auth.handler(new Request(`${database.env.BETTER_AUTH_URL}/api/auth/token`, { headers }));
}

test(`a flood of token requests from an address leaves its signed-in people their tokens (${DATABASE_KIND})`, async () => {
  const office = freshAddress();
  const signedUp = await server.signUp(freshEmail("token"), "correct horse battery", freshAddress());
  assert.equal(signedUp.status, 200);
  const cookie = sessionCookie(signedUp);
  const flood = await Promise.all(Array.from({ length: 150 }, () => token(office)));
  assert.ok(flood.every((answer) => answer.status === 401 || answer.status === 429));
  const mine = await token(office, cookie);
  assert.equal(mine.status, 200);
  assert.ok((await mine.json()).token);
});
