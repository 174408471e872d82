// The feed endpoint: signed pages, the request's checks, incarnations, anchors and retention.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { BASE_URL, FEED_PATH, authorization, eachDatabase, feedRequest, freshDatabase, freshNonce, now, signUp, startAuth } from "./helpers.js";

const SECRET = "feed-secret-for-tests-only-0123456789abcdef";
const DAY = 24 * 3600;

await eachDatabase("the feed", (kind) => {
  let store;
  let server;
  before(async () => {
    store = await freshDatabase(kind);
    server = await startAuth(store, { feed: { secret: SECRET } });
  });
  after(() => store.remove());

  async function page(query) {
    const response = await feedRequest(server, SECRET, query);
    assert.equal(response.status, 200, await response.clone().text());
    return decodeJwt((await response.json()).page);
  }
  const context = () => server.auth.$context;

  /** `count` session.revoked events for one user, written as Better Auth ends real sessions. */
  async function endSessions(count, name = "someone") {
    const { internalAdapter } = await context();
    const user = await internalAdapter.createUser({ email: `${name}-${Math.random()}@example.com`, name, emailVerified: false });
    const sessions = [];
    for (let n = 0; n < count; n += 1) sessions.push(await internalAdapter.createSession(user.id));
    for (const session of sessions) await internalAdapter.deleteSession(session.token);
    return { user, sessions };
  }
  /** Moves every held event `seconds` into the past, as if time had passed. */
  async function age(seconds) {
    const { adapter } = await context();
    for (const row of await adapter.findMany({ model: "revocationEvent", limit: 100000 })) {
      await adapter.update({
        model: "revocationEvent",
        where: [{ field: "id", value: row.id }],
        update: { at: Number(row.at) - seconds, expiresAt: Number(row.expiresAt) - seconds },
      });
    }
  }

  test("before any event: no incarnation, no ids, an empty page", async () => {
    const nonce = freshNonce();
    const first = await page(`after=0&nonce=${nonce}`);
    assert.deepEqual(
      { incarnation: first.incarnation, anchor: first.anchor, events: first.events, oldest: first.oldest, newest: first.newest, nonce: first.nonce, after: first.after },
      { incarnation: null, anchor: null, events: [], oldest: null, newest: null, nonce, after: 0 },
    );
  });

  test("the page verifies against the server's own JWKS, with its own typ and every claim", async () => {
    const person = await signUp(server, "verifies");
    await server.post("/sign-out", {}, { cookie: person.cookie });
    const nonce = freshNonce();
    const response = await feedRequest(server, SECRET, `after=0&limit=10&nonce=${nonce}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.match(response.headers.get("content-type"), /^application\/json/);
    const { page: jws } = await response.json();
    const jwks = await (await server.get("/jwks")).json();
    const { payload, protectedHeader } = await jwtVerify(jws, createLocalJWKSet(jwks), {
      typ: "revocation-feed+jwt",
      issuer: BASE_URL,
      audience: BASE_URL,
    });
    assert.equal(protectedHeader.alg, "EdDSA");
    assert.ok(jwks.keys.some((key) => key.kid === protectedHeader.kid));
    assert.deepEqual(Object.keys(payload).sort(), ["after", "anchor", "aud", "events", "exp", "iat", "incarnation", "iss", "newest", "nonce", "oldest", "ver"]);
    assert.equal(payload.ver, 1);
    assert.equal(payload.exp, payload.iat + 60);
    assert.ok(Math.abs(payload.iat - now()) <= 2);
    assert.equal(payload.nonce, nonce);
    assert.equal(payload.after, 0);
    assert.match(payload.incarnation, /^[A-Za-z0-9_-]{22,}$/);
    const event = payload.events.find((candidate) => candidate.sessionId === person.sessionId);
    assert.deepEqual(Object.keys(event).sort(), ["at", "expiresAt", "id", "jti", "sessionId", "type", "userId"]);
    assert.deepEqual({ type: event.type, userId: event.userId }, { type: "session.revoked", userId: person.userId });
    assert.equal(payload.newest, payload.events.at(-1).id);
    assert.equal(payload.oldest, payload.events[0].id);
    // A page is not an access token (no sub), and an access token is not a page (its typ).
    assert.equal(payload.sub, undefined);
    const second = await signUp(server, "token");
    const { token } = await (await server.get("/token", { cookie: second.cookie })).json();
    assert.notEqual(decodeProtectedHeader(token).typ, "revocation-feed+jwt");
    await assert.rejects(jwtVerify(token, createLocalJWKSet(jwks), { typ: "revocation-feed+jwt" }));
  });

  test("pages by id: after, limit, anchor; nonce and after echoed", async () => {
    const start = (await page(`nonce=${freshNonce()}&limit=1000`)).newest ?? 0;
    await endSessions(5, "paged");
    const all = (await page(`after=${start}&nonce=${freshNonce()}`)).events;
    assert.deepEqual(all.map((event) => event.id), [1, 2, 3, 4, 5].map((n) => start + n));
    const nonce = freshNonce();
    const second = await page(`limit=2&nonce=${nonce}&after=${start + 2}`);
    assert.deepEqual(second.events.map((event) => event.id), [start + 3, start + 4]);
    assert.equal(second.after, start + 2);
    assert.equal(second.nonce, nonce);
    assert.equal(second.anchor, all[1].jti, "the anchor is the jti of the event at `after`");
    const past = await page(`after=${start + 5}&nonce=${freshNonce()}`);
    assert.deepEqual(past.events, []);
    assert.equal(past.anchor, all[4].jti);
    assert.equal(past.newest, start + 5);
    const beyond = await page(`after=${start + 1000}&nonce=${freshNonce()}`);
    assert.equal(beyond.anchor, null, "no event at after");
    assert.equal(new Set(all.map((event) => event.jti)).size, 5);
  });

  test("the incarnation is the same for every write", async () => {
    const before = await page(`nonce=${freshNonce()}`);
    await endSessions(3, "incarnation");
    const later = await page(`nonce=${freshNonce()}&limit=1000`);
    assert.ok(before.incarnation);
    assert.equal(later.incarnation, before.incarnation);
    const { adapter } = await context();
    const rows = await adapter.findMany({ model: "revocationEvent", limit: 100000 });
    assert.deepEqual(new Set(rows.map((row) => row.incarnation)), new Set([before.incarnation]));
  });

  test("pruning: expired events go, the newest stays, ids never go back, user.deleted stays 30 days", async () => {
    const { internalAdapter } = await context();
    const deleted = await internalAdapter.createUser({ email: `deleted-${Math.random()}@example.com`, name: "gone", emailVerified: false });
    await internalAdapter.deleteUser(deleted.id);
    const { user } = await endSessions(2, "expiring");
    const held = (await page(`nonce=${freshNonce()}&limit=1000`)).events;
    const newest = held.at(-1);
    assert.equal(newest.userId, user.id);
    const anchorOf = async (id) => (await page(`after=${id}&nonce=${freshNonce()}`)).anchor;
    const deletion = held.find((event) => event.type === "user.deleted" && event.userId === deleted.id);
    assert.ok(deletion);

    // An hour on, every session event has expired; the next write prunes them, but not the deletion.
    await age(3600);
    await endSessions(1, "later");
    let events = (await page(`nonce=${freshNonce()}&limit=1000`)).events;
    assert.ok(events.some((event) => event.jti === deletion.jti), "the deletion is kept");
    assert.ok(!events.some((event) => event.userId === user.id), "expired session events are gone");
    assert.equal(await anchorOf(newest.id), null, "a pruned event's anchor is null");
    const latest = events.at(-1);
    assert.ok(latest.id > newest.id);

    // Everything expired, the deletion past 30 days: only the newest event is left.
    await age(31 * DAY);
    await endSessions(1, "much-later");
    events = (await page(`nonce=${freshNonce()}&limit=1000`)).events;
    assert.equal(events.length, 1);
    assert.ok(events[0].id > latest.id);
    const last = await page(`after=${events[0].id}&nonce=${freshNonce()}`);
    assert.equal(last.oldest, events[0].id);
    assert.equal(last.newest, events[0].id);
    assert.equal(last.anchor, events[0].jti);
  });

  test("a new database is a new incarnation", async () => {
    const other = await freshDatabase(kind);
    try {
      const second = await startAuth(other, { feed: { secret: SECRET } });
      const person = await signUp(second, "elsewhere");
      await second.post("/sign-out", {}, { cookie: person.cookie });
      const response = await feedRequest(second, SECRET, `nonce=${freshNonce()}`);
      const theirs = decodeJwt((await response.json()).page);
      const ours = await page(`nonce=${freshNonce()}`);
      assert.ok(theirs.incarnation && ours.incarnation);
      assert.notEqual(theirs.incarnation, ours.incarnation);
      assert.equal(theirs.events[0].id, 1);
    } finally {
      await other.remove();
    }
  });

  test("hostile queries are 400 INVALID_QUERY, never 500", async () => {
    const nonce = freshNonce();
    const queries = [
      "after=0",
      `after=-1&nonce=${nonce}`,
      `after=abc&nonce=${nonce}`,
      `after=1.5&nonce=${nonce}`,
      `after=&nonce=${nonce}`,
      `after=9007199254740992&nonce=${nonce}`,
      `after=99999999999999999999999&nonce=${nonce}`,
      `after=1&after=2&nonce=${nonce}`,
      `nonce=${nonce}&nonce=${nonce}`,
      `limit=0&nonce=${nonce}`,
      `limit=1001&nonce=${nonce}`,
      `limit=100000&nonce=${nonce}`,
      `limit=-5&nonce=${nonce}`,
      `limit=1e3&nonce=${nonce}`,
      `limit=${"9".repeat(500)}&nonce=${nonce}`,
      `after=%00&nonce=${nonce}`,
      `after=0x10&nonce=${nonce}`,
      `nonce=short`,
      `nonce=${"a".repeat(65)}`,
      `nonce=${"a".repeat(15)}`,
      `nonce=${nonce.slice(0, 16)}%20${nonce.slice(0, 4)}`,
      `nonce=${nonce}.`,
      `nonce=`,
      `nonce=${nonce}&v=1`,
      `nonce=${nonce}&foo`,
      `nonce=${nonce}&cursor=3`,
    ];
    for (const query of queries) {
      const response = await feedRequest(server, SECRET, query);
      assert.equal(response.status, 400, query);
      assert.equal(response.headers.get("cache-control"), "no-store", query);
      const body = await response.json();
      assert.equal(body.code, "INVALID_QUERY", query);
      assert.equal(typeof body.message, "string");
    }
    assert.equal((await feedRequest(server, SECRET, `after=9007199254740991&limit=1000&nonce=${"a".repeat(64)}`)).status, 200);
  });

  test("a missing, malformed, wrong or stale signature is 401 with WWW-Authenticate", async () => {
    const query = `after=0&limit=5&nonce=${freshNonce()}`;
    const refused = async (response, why) => {
      assert.equal(response.status, 401, why);
      assert.equal(response.headers.get("www-authenticate"), "Revocation-HMAC", why);
      assert.equal(response.headers.get("cache-control"), "no-store", why);
      assert.equal((await response.json()).code, "INVALID_SIGNATURE", why);
    };
    for (const skew of [-30, 0, 30]) assert.equal((await feedRequest(server, SECRET, query, { t: now() + skew })).status, 200, `skew ${skew}`);
    await refused(await feedRequest(server, SECRET, query, { t: now() - 32 }), "signed over 30 s ago");
    await refused(await feedRequest(server, SECRET, query, { t: now() + 32 }), "signed over 30 s ahead");
    await refused(await feedRequest(server, SECRET, query, { key: "another-secret-of-enough-length-0123456789" }), "wrong key");
    await refused(await feedRequest(server, SECRET, query, { key: (await context()).secret }), "Better Auth's secret");
    // A replay with another query: the signature was made for the first one.
    await refused(await feedRequest(server, SECRET, `after=0&limit=1000&nonce=${freshNonce()}`, { signedQuery: query }), "other query");
    await refused(await feedRequest(server, SECRET, `limit=5&after=0&nonce=${query.split("nonce=")[1]}`, { signedQuery: query }), "reordered");
    await refused(await server.get(`/revocations?${query}`), "no header");
    const t = now();
    const good = authorization(SECRET, `${FEED_PATH}?${query}`, t);
    const sig = good.split("sig=")[1];
    for (const header of [`Bearer ${sig}`, `Revocation-HMAC t=${t}`, `Revocation-HMAC t=${t}, sig=${sig.slice(2)}`, `Revocation-HMAC t=x, sig=${sig}`, `Revocation-HMAC t=${t}, sig=${sig.toUpperCase()}`, `${good}, extra=1`]) {
      await refused(await server.get(`/revocations?${query}`, { authorization: header }), header);
    }
    // The signature is checked before the query: a stranger learns nothing of what is wrong with it.
    await refused(await server.get("/revocations?after=-1"), "bad query, no header");
  });

  test("answers every poll, however often: it is not rate limited", async () => {
    const limited = await freshDatabase(kind);
    try {
      const busy = await startAuth(limited, { feed: { secret: SECRET }, rateLimit: { enabled: true, window: 60, max: 5 } });
      const answers = [];
      // One address, as an API process polls from.
      for (let n = 0; n < 20; n += 1) {
        const query = `nonce=${freshNonce()}`;
        answers.push(await busy.get(`/revocations?${query}`, { authorization: authorization(SECRET, `${FEED_PATH}?${query}`), "x-forwarded-for": "10.9.9.9" }));
      }
      assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([200]));
      const others = [];
      for (let n = 0; n < 8; n += 1) others.push((await busy.get("/ok", { "x-forwarded-for": "10.9.9.9" })).status);
      assert.ok(others.includes(429), `other paths are still limited: ${others}`);
    } finally {
      await limited.remove();
    }
  });
});

await eachDatabase(
  "the feed turned off",
  (kind) => {
    let store;
    let server;
    before(async () => {
      store = await freshDatabase(kind);
      server = await startAuth(store, { feed: { secret: "" } });
    });
    after(() => store.remove());

    test("answers 404 NOT_FOUND, no-store, and still records events", async () => {
      const query = `nonce=${freshNonce()}`;
      const response = await server.get(`/revocations?${query}`, { authorization: authorization(SECRET, `${FEED_PATH}?${query}`) });
      assert.equal(response.status, 404);
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.equal((await response.json()).code, "NOT_FOUND");
      const person = await signUp(server, "off");
      await server.post("/sign-out", {}, { cookie: person.cookie });
      const { adapter } = await server.auth.$context;
      const rows = await adapter.findMany({ model: "revocationEvent", where: [{ field: "userId", value: person.userId }] });
      assert.deepEqual(rows.map((row) => row.type), ["session.revoked"]);
    });

  },
  ["memory"],
);

await eachDatabase(
  "the page's key",
  (kind) => {
    for (const alg of ["ES256", "RS256", "PS256"]) {
      test(`signed with the jwt plugin's ${alg} key and issuer settings`, async () => {
        const store = await freshDatabase(kind);
        try {
          const server = await startAuth(store, {
            feed: { secret: SECRET },
            jwtOptions: { jwks: { keyPairConfig: { alg } }, jwt: { issuer: "https://issuer.example", audience: "https://api.example", expirationTime: "5m" } },
          });
          const nonce = freshNonce();
          const response = await feedRequest(server, SECRET, `nonce=${nonce}`);
          const { page: jws } = await response.json();
          const jwks = await (await server.get("/jwks")).json();
          const { payload, protectedHeader } = await jwtVerify(jws, createLocalJWKSet(jwks), {
            typ: "revocation-feed+jwt",
            issuer: "https://issuer.example",
            audience: "https://api.example",
            algorithms: [alg],
          });
          assert.equal(protectedHeader.alg, alg);
          assert.equal(payload.nonce, nonce);
          // The token lifetime is read from the jwt plugin: 5 minutes, plus a minute's margin.
          const person = await signUp(server, "five-minutes");
          await server.post("/sign-out", {}, { cookie: person.cookie });
          const [event] = decodeJwt((await (await feedRequest(server, SECRET, `nonce=${freshNonce()}`)).json()).page).events;
          assert.equal(event.expiresAt - event.at, 300 + 60);
        } finally {
          await store.remove();
        }
      });
    }
  },
  ["memory"],
);
