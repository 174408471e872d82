import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createAuth } from "@/lib/auth";
import { revocationOutbox, type FeedPage, type RevocationEvent } from "@/lib/revocations.mjs";
import { DATABASE_KIND, type Env, freshAddress, freshEmail, sessionCookie, sessionToken, sharedDatabase, startAuth } from "./auth-server";

const PASSWORD = "correct horse battery";
const FEED_PATH = "/api/auth/revocations";
const SECRET = randomBytes(32).toString("base64url");
const database = sharedDatabase();
const env = { ...database.env, REVOCATION_FEED_SECRET: SECRET };
let server: Awaited<ReturnType<typeof startAuth>>;

before(async () => {
  server = await startAuth(env);
});
after(() => database.remove());

const now = () => Math.floor(Date.now() / 1000);

/** The feed request the API sends: "t=<seconds>, sig=<hex HMAC of t, method, path and query>". */
function feed(query: string, { secret = SECRET, t = now(), signedQuery = query } = {}): Promise<Response> {
  const sig = createHmac("sha256", secret).update(`${t}\nGET\n${FEED_PATH}?${signedQuery}`).digest("hex");
  return server.get(`/revocations?${query}`, { authorization: `Revocation-HMAC t=${t}, sig=${sig}` });
}

async function readFeed(query: string): Promise<FeedPage> {
  const response = await feed(query);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as FeedPage;
}

/** Every retained event, paging through the feed as the API does. */
async function allEvents(): Promise<RevocationEvent[]> {
  const events: RevocationEvent[] = [];
  for (let cursor = 0; ; ) {
    const page = await readFeed(`after=${cursor}&limit=1000`);
    events.push(...page.events);
    if (page.events.length < 1000) return events;
    cursor = page.next;
  }
}

const eventsOf = async (userId: string) => (await allEvents()).filter((event) => event.userId === userId);

const call = (path: string, cookie: string, body: object = {}) => server.post(path, body, freshAddress(), undefined, { cookie });

interface Person {
  email: string;
  userId: string;
  cookie: string;
  sessionId: string;
}

async function session(email: string, cookie: string): Promise<Person> {
  const answer = (await (await server.get("/get-session", { cookie })).json()) as { user: { id: string }; session: { id: string } };
  return { email, userId: answer.user.id, sessionId: answer.session.id, cookie };
}

async function signUp(name: string): Promise<Person> {
  const email = freshEmail(name);
  const response = await server.signUp(email, PASSWORD, freshAddress());
  assert.equal(response.status, 200);
  return session(email, sessionCookie(response));
}

/** Another session of the same person, as from a second device. */
async function signInAgain(person: Person): Promise<Person> {
  const response = await server.signIn({ email: person.email, password: PASSWORD, peer: freshAddress() });
  assert.equal(response.status, 200);
  return session(person.email, sessionCookie(response));
}

async function claims(cookie: string): Promise<Record<string, unknown>> {
  const { token } = (await (await server.get("/token", { cookie })).json()) as { token: string };
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
}

async function makeAdmin(person: Person): Promise<void> {
  const context = await server.auth.$context;
  await context.internalAdapter.updateUser(person.userId, { role: "admin" });
}

const summary = (events: RevocationEvent[]) => events.map(({ type, sessionId }) => `${type} ${sessionId ?? "-"}`).sort();

describe(`the sid claim (${DATABASE_KIND})`, () => {
  test("every token names the session it was issued for, next to the claims it always had", async () => {
    const person = await signUp("claims");
    const second = await signInAgain(person);
    const payload = await claims(person.cookie);
    assert.equal(payload.sid, person.sessionId);
    assert.equal((await claims(second.cookie)).sid, second.sessionId);
    assert.notEqual(person.sessionId, second.sessionId);
    for (const claim of ["sub", "id", "email", "name", "emailVerified", "iat", "exp", "iss", "aud"]) {
      assert.ok(claim in payload, `${claim} is still issued`);
    }
    assert.equal(payload.sub, person.userId);
    assert.equal(Number(payload.exp) - Number(payload.iat), 900);
  });
});

describe(`events written for each way tokens are revoked (${DATABASE_KIND})`, () => {
  test("sign-out: the session, expiring a minute after the last token issued for it would", async () => {
    const person = await signUp("signs-out");
    const started = now();
    assert.equal((await call("/sign-out", person.cookie)).status, 200);
    const events = await eventsOf(person.userId);
    assert.deepEqual(summary(events), [`session.revoked ${person.sessionId}`]);
    const [event] = events;
    assert.ok(event && event.at >= started && event.at <= now());
    assert.equal(event.expiresAt, event.at + 900 + 60);
  });

  test("revoking one of one's sessions: that session only", async () => {
    const person = await signUp("revokes-one");
    const phone = await signInAgain(person);
    assert.equal((await call("/revoke-session", person.cookie, { token: sessionToken(phone.cookie) })).status, 200);
    assert.deepEqual(summary(await eventsOf(person.userId)), [`session.revoked ${phone.sessionId}`]);
  });

  test("revoking the other sessions: one event per session, none for the session asking", async () => {
    const person = await signUp("revokes-others");
    const others = [await signInAgain(person), await signInAgain(person)];
    assert.equal((await call("/revoke-other-sessions", person.cookie)).status, 200);
    assert.deepEqual(summary(await eventsOf(person.userId)), summary(others.map(revokedSession)));
  });

  test("revoking all sessions: the user, and each session", async () => {
    const person = await signUp("revokes-all");
    const laptop = await signInAgain(person);
    assert.equal((await call("/revoke-sessions", person.cookie)).status, 200);
    const expected = [...[person, laptop].map(revokedSession), { type: "user.revoked", sessionId: null }];
    assert.deepEqual(summary(await eventsOf(person.userId)), summary(expected as RevocationEvent[]));
  });

  test("a ban by an administrator: the user, and each session; nobody else's", async () => {
    const administrator = await signUp("administrator");
    await makeAdmin(administrator);
    const person = await signUp("banned");
    const banned = await call("/admin/ban-user", administrator.cookie, { userId: person.userId, banReason: "spam" });
    assert.equal(banned.status, 200, await banned.clone().text());
    assert.deepEqual(summary(await eventsOf(person.userId)), summary([revokedSession(person), { type: "user.revoked", sessionId: null } as RevocationEvent]));
    assert.deepEqual(await eventsOf(administrator.userId), []);
    assert.equal((await server.signIn({ email: person.email, password: PASSWORD, peer: freshAddress() })).status, 403);
  });

  test("deleting one's account: the user, and the session", async () => {
    const person = await signUp("deletes");
    assert.equal((await call("/delete-user", person.cookie, { password: PASSWORD })).status, 200);
    assert.deepEqual(summary(await eventsOf(person.userId)), summary([revokedSession(person), { type: "user.deleted", sessionId: null } as RevocationEvent]));
  });

  test("nothing for another person's session, nor for a ban that is refused", async () => {
    const person = await signUp("bystander");
    const intruder = await signUp("intruder");
    assert.equal((await call("/revoke-session", intruder.cookie, { token: sessionToken(person.cookie) })).status, 200);
    assert.equal((await call("/admin/ban-user", intruder.cookie, { userId: person.userId })).status, 403);
    assert.equal((await call("/admin/revoke-user-sessions", intruder.cookie, { userId: person.userId })).status, 403);
    assert.deepEqual(await eventsOf(person.userId), []);
    assert.equal((await server.get("/get-session", { cookie: person.cookie })).status, 200, "the session still works");
    assert.ok(await (await server.get("/get-session", { cookie: person.cookie })).json());
  });

  test("a session that ended by expiring is cleaned up without an event", async () => {
    const person = await signUp("expires");
    const context = await server.auth.$context;
    await context.adapter.update({
      model: "session",
      where: [{ field: "id", value: person.sessionId }],
      update: { expiresAt: new Date(Date.now() - 1_000) },
    });
    assert.equal(await (await server.get("/get-session", { cookie: person.cookie })).json(), null);
    assert.equal(await context.internalAdapter.findSession(sessionToken(person.cookie)), null, "Better Auth deleted it");
    assert.deepEqual(await eventsOf(person.userId), []);
  });
});

function revokedSession(person: Person): RevocationEvent {
  return { type: "session.revoked", sessionId: person.sessionId } as RevocationEvent;
}

describe(`the feed (${DATABASE_KIND})`, () => {
  test("pages by id: `after` is the last id seen, at most `limit` events, `next` to go on from", async () => {
    const outbox = revocationOutbox((await server.auth.$context).adapter, { tokenLifetimeSeconds: 900 });
    const start = (await allEvents()).at(-1)?.id ?? 0;
    for (let n = 1; n <= 5; n += 1) await outbox.record("user.revoked", `paged-${n}`);
    const first = await readFeed(`after=${start}&limit=2`);
    assert.deepEqual(first.events.map((event) => event.userId), ["paged-1", "paged-2"]);
    assert.deepEqual(first.events.map((event) => event.id), [start + 1, start + 2]);
    assert.equal(first.next, start + 2);
    const second = await readFeed(`after=${first.next}&limit=2`);
    assert.deepEqual(second.events.map((event) => event.userId), ["paged-3", "paged-4"]);
    const last = await readFeed(`after=${second.next}`);
    assert.deepEqual(last.events.map((event) => event.userId), ["paged-5"]);
    const empty = await readFeed(`after=${last.next}&limit=10`);
    assert.deepEqual(empty.events, []);
    assert.equal(empty.next, last.next, "with nothing new, next is the `after` given");
    assert.ok(empty.oldest !== null && empty.oldest <= start + 1);
    assert.ok(Math.abs(empty.now - now()) <= 1);
  });

  test("events past their expiry are pruned, except the newest, so ids never go back", async () => {
    let clock = Date.now();
    const outbox = revocationOutbox((await server.auth.$context).adapter, { tokenLifetimeSeconds: 900, clock: () => clock });
    await outbox.record("session.revoked", "pruned", "old-session");
    await outbox.record("user.revoked", "pruned");
    const earlier = (await allEvents()).filter((event) => event.userId === "pruned");
    assert.equal(earlier.length, 2);
    clock += (900 + 60 + 1) * 1000;
    await outbox.record("user.deleted", "pruned-later");
    const retained = await allEvents();
    assert.deepEqual(retained.filter((event) => event.userId === "pruned"), [], "both expired events are gone");
    const newest = retained.at(-1)!;
    assert.equal(newest.userId, "pruned-later");
    assert.ok(newest.id > earlier[1]!.id);
    // Reading prunes too; all is expired now, and the newest row stays to keep the count.
    clock += (900 + 60 + 1) * 1000;
    const page = await outbox.read(0, 1000);
    const expired = page.events
      .filter((event) => event.expiresAt < clock / 1000 && event.type !== "user.deleted")
      .map((event) => event.id);
    assert.deepEqual(expired, [], "only deletions (kept 30 days) outlive their tokens");
    assert.equal(page.newest, newest.id);
    assert.equal(page.events.at(-1)?.id, newest.id);
    await outbox.record("user.revoked", "after-all-expired");
    assert.equal((await outbox.read(newest.id, 10)).events[0]?.id, newest.id + 1);
  });

  test("a deletion is kept 30 days, long after its tokens, for an API that was down meanwhile", async () => {
    let clock = Date.now();
    const outbox = revocationOutbox((await server.auth.$context).adapter, { tokenLifetimeSeconds: 900, clock: () => clock });
    await outbox.record("user.deleted", "kept-deleted");
    await outbox.record("user.revoked", "pruned-revoked");
    clock += (900 + 60 + 1) * 1000;
    await outbox.record("user.revoked", "newer");
    const afterAnHour = await allEvents();
    assert.ok(afterAnHour.some((event) => event.userId === "kept-deleted"));
    assert.ok(!afterAnHour.some((event) => event.userId === "pruned-revoked"));
    clock += 30 * 24 * 3600 * 1000;
    await outbox.record("user.revoked", "a-month-later");
    assert.ok(!(await allEvents()).some((event) => event.userId === "kept-deleted"), "gone after 30 days");
  });

  test("instances writing at once never share an id nor leave a gap", async () => {
    const adapter = (await server.auth.$context).adapter;
    const instances = [1, 2, 3].map(() => revocationOutbox(adapter, { tokenLifetimeSeconds: 900 }));
    await Promise.all(instances.flatMap((outbox, n) => Array.from({ length: 5 }, (_, k) => outbox.record("user.revoked", `racer-${n}-${k}`))));
    const ids = (await allEvents()).filter((event) => event.userId.startsWith("racer-")).map((event) => event.id);
    assert.equal(ids.length, 15);
    assert.deepEqual(ids, Array.from({ length: 15 }, (_, k) => ids[0]! + k));
  });

  test("answers no-store JSON and is not rate limited like other paths (the API polls it)", async () => {
    const answers = await Promise.all(Array.from({ length: 120 }, () => feed("after=0&limit=1")));
    assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([200]));
    assert.equal(answers[0]?.headers.get("cache-control"), "no-store");
    assert.match(answers[0]?.headers.get("content-type") ?? "", /^application\/json/);
  });
});

describe(`the feed's signature (${DATABASE_KIND})`, () => {
  const refused = async (response: Response) => {
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { code: string }).code, "INVALID_SIGNATURE");
  };

  test("a good signature within 30 s either way is accepted", async () => {
    for (const skew of [-29, 0, 29]) assert.equal((await feed("after=0&limit=5", { t: now() + skew })).status, 200, `skew ${skew}`);
  });

  test("a request signed more than 30 s ago (a replay) or ahead is refused", async () => {
    await refused(await feed("after=0&limit=5", { t: now() - 31 }));
    await refused(await feed("after=0&limit=5", { t: now() + 31 }));
  });

  test("a wrong key, a changed query or a missing or malformed header is refused", async () => {
    await refused(await feed("after=0&limit=5", { secret: randomBytes(32).toString("base64url") }));
    await refused(await feed("after=0&limit=5", { secret: database.env.BETTER_AUTH_SECRET }));
    await refused(await feed("after=0&limit=1000", { signedQuery: "after=0&limit=5" }));
    await refused(await server.get("/revocations?after=0"));
    const t = now();
    const sig = createHmac("sha256", SECRET).update(`${t}\nGET\n${FEED_PATH}?after=0`).digest("hex");
    for (const header of [`Bearer ${sig}`, `Revocation-HMAC t=${t}`, `Revocation-HMAC t=${t}, sig=${sig.slice(2)}`, `Revocation-HMAC t=x, sig=${sig}`]) {
      await refused(await server.get("/revocations?after=0", { authorization: header }));
    }
  });

  test("without a query the path alone is signed", async () => {
    const t = now();
    for (const signed of [`${FEED_PATH}?`, FEED_PATH]) {
      const sig = createHmac("sha256", SECRET).update(`${t}\nGET\n${signed}`).digest("hex");
      assert.equal((await server.get("/revocations", { authorization: `Revocation-HMAC t=${t}, sig=${sig}` })).status, 200);
    }
  });

  test("hostile values of after and limit get 400 JSON, never 500", async () => {
    const queries = [
      "after=-1",
      "after=abc",
      "after=1.5",
      "after=",
      "after=99999999999999999999999",
      "after=1&after=2",
      "limit=0",
      "limit=1001",
      "limit=100000",
      "limit=-5",
      "limit=1e3",
      `limit=${"9".repeat(500)}`,
      "after=%00",
      "after=0x10",
    ];
    for (const query of queries) {
      const response = await feed(query);
      assert.equal(response.status, 400, query);
      const body = (await response.json()) as { code: string; message: string };
      assert.equal(body.code, "INVALID_QUERY", query);
      assert.match(body.message, /after|limit/, query);
    }
  });
});

describe("turning the feed on", () => {
  test("unset, the feed is not there: 404", async () => {
    const off = await startAuth({ ...database.env, REVOCATION_FEED_SECRET: "" });
    const response = await off.get("/revocations?after=0");
    assert.equal(response.status, 404);
  });

  test("a secret shorter than 32 characters, or BETTER_AUTH_SECRET itself, stops startup with a clear message", () => {
    assert.throws(() => createAuth({ ...database.env, REVOCATION_FEED_SECRET: "x".repeat(31) } as Env as NodeJS.ProcessEnv), /REVOCATION_FEED_SECRET must be at least 32 characters/);
    assert.throws(
      () => createAuth({ ...database.env, REVOCATION_FEED_SECRET: database.env.BETTER_AUTH_SECRET } as Env as NodeJS.ProcessEnv),
      /REVOCATION_FEED_SECRET must differ from BETTER_AUTH_SECRET/,
    );
  });
});
