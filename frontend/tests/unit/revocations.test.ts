/**
 * The web app's wiring of the revocation feed (better-auth-revocation-feed, which
 * has its own tests of the protocol): REVOCATION_FEED_SECRET turns it on, its
 * tokens carry `sid`, sign-out reaches the feed, and the app's rate limits leave
 * it alone.
 */
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createAuth } from "@/lib/auth";
import type { RevocationFeedPage } from "better-auth-revocation-feed";
import { DATABASE_KIND, type Env, freshAddress, freshEmail, sessionCookie, sharedDatabase, startAuth } from "./auth-server";

const PASSWORD = "correct horse battery";
const FEED_PATH = "/api/auth/revocations";
const SECRET = randomBytes(32).toString("base64url");
const database = sharedDatabase();
const env: Env = { ...database.env, REVOCATION_FEED_SECRET: SECRET };
let server: Awaited<ReturnType<typeof startAuth>>;

before(async () => {
  server = await startAuth(env);
});
after(() => database.remove());

const nonce = () => randomBytes(16).toString("base64url");
const decode = (jws: string) => JSON.parse(Buffer.from(jws.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
const header = (jws: string) => JSON.parse(Buffer.from(jws.split(".")[0] ?? "", "base64url").toString()) as Record<string, unknown>;

/** A feed request as the API sends it, from one address. */
function feed(query: string, secret = SECRET): Promise<Response> {
  const t = Math.floor(Date.now() / 1000);
  const sig = createHmac("sha256", secret).update(`${t}\nGET\n${FEED_PATH}?${query}`).digest("hex");
  return server.get(`/revocations?${query}`, { authorization: `Revocation-HMAC t=${t}, sig=${sig}`, "x-forwarded-for": "10.1.1.1" });
}

describe(`the revocation feed in the web app (${DATABASE_KIND})`, () => {
  test("tokens carry sid next to every claim they always had, for 15 minutes", async () => {
    const signedUp = await server.signUp(freshEmail("claims"), PASSWORD, freshAddress());
    const cookie = sessionCookie(signedUp);
    const answer = (await (await server.get("/get-session", { cookie })).json()) as { user: { id: string }; session: { id: string } };
    const { token } = (await (await server.get("/token", { cookie })).json()) as { token: string };
    const payload = decode(token);
    assert.equal(payload.sid, answer.session.id);
    for (const claim of ["sub", "id", "email", "name", "emailVerified", "iat", "exp", "iss", "aud"]) assert.ok(claim in payload, claim);
    assert.equal(Number(payload.exp) - Number(payload.iat), 900);
  });

  test("a sign-out is on the next signed page, held 15 minutes and a minute", async () => {
    const signedUp = await server.signUp(freshEmail("signs-out"), PASSWORD, freshAddress());
    const cookie = sessionCookie(signedUp);
    const answer = (await (await server.get("/get-session", { cookie })).json()) as { session: { id: string } };
    assert.equal((await server.post("/sign-out", {}, freshAddress(), undefined, { cookie })).status, 200);
    const sent = nonce();
    const response = await feed(`after=0&limit=1000&nonce=${sent}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const { page } = (await response.json()) as { page: string };
    assert.equal(header(page).typ, "revocation-feed+jwt");
    const claims = decode(page) as unknown as RevocationFeedPage;
    assert.equal(claims.nonce, sent);
    assert.equal(claims.iss, env.BETTER_AUTH_URL);
    const event = claims.events.find((candidate) => candidate.sessionId === answer.session.id);
    assert.equal(event?.type, "session.revoked");
    assert.equal(event.expiresAt - event.at, 900 + 60);
  });

  test("polled often from one address, it is never rate limited; a wrong secret is 401", async () => {
    const answers = await Promise.all(Array.from({ length: 120 }, () => feed(`limit=1&nonce=${nonce()}`)));
    assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([200]));
    assert.equal((await feed(`nonce=${nonce()}`, randomBytes(32).toString("base64url"))).status, 401);
  });
});

describe("turning the feed on", () => {
  test("unset, the feed is not there: 404", async () => {
    const off = await startAuth({ ...database.env, REVOCATION_FEED_SECRET: "" });
    assert.equal((await off.get(`/revocations?nonce=${nonce()}`)).status, 404);
  });

  test("a secret shorter than 32 characters, or BETTER_AUTH_SECRET itself, stops startup with a clear message", async () => {
    assert.throws(() => createAuth({ ...database.env, REVOCATION_FEED_SECRET: "x".repeat(31) } as Env as NodeJS.ProcessEnv), /at least 32 characters/);
    await assert.rejects(
      createAuth({ ...database.env, REVOCATION_FEED_SECRET: database.env.BETTER_AUTH_SECRET } as Env as NodeJS.ProcessEnv).$context,
      /must differ from the Better Auth secret/,
    );
  });
});
