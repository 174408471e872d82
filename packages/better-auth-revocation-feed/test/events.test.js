// Every way a session ends writes the right events; tokens carry the session they were issued for.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { decodeJwt } from "jose";
import { PASSWORD, eachDatabase, feedRequest, freshDatabase, freshNonce, now, sessionToken, signInAgain, signUp, startAuth } from "./helpers.js";

const SECRET = "feed-secret-for-tests-only-0123456789abcdef";

await eachDatabase("events", (kind) => {
  let store;
  let server;
  before(async () => {
    store = await freshDatabase(kind);
    server = await startAuth(store, {
      feed: { secret: SECRET },
      // The user's own payload is kept; sid is added to it.
      jwtOptions: { jwt: { definePayload: ({ user }) => ({ id: user.id, email: user.email, role: "member" }) } },
    });
  });
  after(() => store.remove());

  /** Every held event, paging through the feed as a reader does. */
  async function allEvents() {
    const events = [];
    for (let cursor = 0; ; ) {
      const response = await feedRequest(server, SECRET, `after=${cursor}&limit=1000&nonce=${freshNonce()}`);
      assert.equal(response.status, 200);
      const page = decodeJwt((await response.json()).page);
      events.push(...page.events);
      if (page.events.length < 1000) return events;
      cursor = page.events.at(-1).id;
    }
  }
  const eventsOf = async (userId) => (await allEvents()).filter((event) => event.userId === userId);
  const summary = (events) => events.map(({ type, sessionId }) => `${type} ${sessionId ?? "-"}`).sort();
  const revoked = (person) => `session.revoked ${person.sessionId}`;
  const call = (path, person, body = {}) => server.post(path, body, { cookie: person.cookie });

  async function makeAdmin(person) {
    const context = await server.auth.$context;
    await context.internalAdapter.updateUser(person.userId, { role: "admin" });
  }

  test("tokens from /api/auth/token carry sid next to what the user's definePayload returns", async () => {
    const person = await signUp(server, "claims");
    const second = await signInAgain(server, person);
    const claims = async (who) => decodeJwt((await (await server.get("/token", { cookie: who.cookie })).json()).token);
    const payload = await claims(person);
    assert.equal(payload.sid, person.sessionId);
    assert.equal((await claims(second)).sid, second.sessionId);
    assert.equal(payload.role, "member");
    assert.equal(payload.sub, person.userId);
    assert.equal(payload.exp - payload.iat, 900);
  });

  test("sign-out: the session, held until a minute after its last token expires", async () => {
    const person = await signUp(server, "signs-out");
    const started = now();
    assert.equal((await call("/sign-out", person)).status, 200);
    const events = await eventsOf(person.userId);
    assert.deepEqual(summary(events), [revoked(person)]);
    const [event] = events;
    assert.ok(event.at >= started && event.at <= now());
    assert.equal(event.expiresAt, event.at + 900 + 60);
    assert.match(event.jti, /^[A-Za-z0-9_-]{22,}$/);
  });

  test("revoke-session: that session only", async () => {
    const person = await signUp(server, "revokes-one");
    const phone = await signInAgain(server, person);
    assert.equal((await call("/revoke-session", person, { token: sessionToken(phone.cookie) })).status, 200);
    assert.deepEqual(summary(await eventsOf(person.userId)), [revoked(phone)]);
  });

  test("revoke-other-sessions: each other session, not the one asking", async () => {
    const person = await signUp(server, "revokes-others");
    const others = [await signInAgain(server, person), await signInAgain(server, person)];
    assert.equal((await call("/revoke-other-sessions", person)).status, 200);
    assert.deepEqual(summary(await eventsOf(person.userId)), others.map(revoked).sort());
  });

  test("revoke-sessions: every session, and the user", async () => {
    const person = await signUp(server, "revokes-all");
    const laptop = await signInAgain(server, person);
    assert.equal((await call("/revoke-sessions", person)).status, 200);
    assert.deepEqual(summary(await eventsOf(person.userId)), [revoked(person), revoked(laptop), "user.revoked -"].sort());
  });

  test("change-password with revokeOtherSessions: the other sessions", async () => {
    const person = await signUp(server, "changes-password");
    const other = await signInAgain(server, person);
    const changed = await call("/change-password", person, { currentPassword: PASSWORD, newPassword: `${PASSWORD} 2`, revokeOtherSessions: true });
    assert.equal(changed.status, 200, await changed.clone().text());
    const events = summary(await eventsOf(person.userId));
    assert.ok(events.includes(revoked(other)), events.join(", "));
    assert.ok(!events.includes("user.revoked -"));
  });

  test("change-password without revokeOtherSessions: nothing", async () => {
    const person = await signUp(server, "keeps-sessions");
    await signInAgain(server, person);
    const changed = await call("/change-password", person, { currentPassword: PASSWORD, newPassword: `${PASSWORD} 2` });
    assert.equal(changed.status, 200);
    assert.deepEqual(await eventsOf(person.userId), []);
  });

  test("an administrator's ban: every session, and the user; nothing for the administrator", async () => {
    const administrator = await signUp(server, "administrator");
    await makeAdmin(administrator);
    const person = await signUp(server, "banned");
    const second = await signInAgain(server, person);
    const banned = await call("/admin/ban-user", administrator, { userId: person.userId, banReason: "spam" });
    assert.equal(banned.status, 200, await banned.clone().text());
    assert.deepEqual(summary(await eventsOf(person.userId)), [revoked(person), revoked(second), "user.revoked -"].sort());
    assert.deepEqual(await eventsOf(administrator.userId), []);
  });

  for (const [ending, end] of [
    ["banned", (root, admin) => call("/admin/ban-user", root, { userId: admin.userId })],
    ["deleted", (root, admin) => call("/admin/remove-user", root, { userId: admin.userId })],
    ["signing out everywhere", (_root, admin) => call("/revoke-sessions", admin)],
    [
      "changing their password and signing out elsewhere",
      (_root, admin) =>
        call("/change-password", admin, { currentPassword: PASSWORD, newPassword: `${PASSWORD} 3`, revokeOtherSessions: true }),
    ],
  ]) {
    test(`an administrator ${ending} while impersonating: the impersonation session ends too`, async () => {
      // That session belongs to the person impersonated, so ending the administrator's own would miss it.
      const root = await signUp(server, "root");
      await makeAdmin(root);
      const admin = await signUp(server, "impersonator");
      await makeAdmin(admin);
      const person = await signUp(server, "impersonated");
      const started = await call("/admin/impersonate-user", admin, { userId: person.userId });
      assert.equal(started.status, 200, await started.clone().text());
      const impersonation = (await started.json()).session;
      assert.equal(impersonation.userId, person.userId);
      const answer = await end(root, admin);
      assert.equal(answer.status, 200, await answer.clone().text());
      const ended = (await eventsOf(person.userId)).filter((event) => event.sessionId === impersonation.id);
      assert.deepEqual(summary(ended), [`session.revoked ${impersonation.id}`]);
      const context = await server.auth.$context;
      assert.equal(await context.internalAdapter.findSession(impersonation.token), null); // no new token from it either
    });
  }

  test("an administrator's revoke-user-sessions: every session, and the user", async () => {
    const administrator = await signUp(server, "administrator");
    await makeAdmin(administrator);
    const person = await signUp(server, "revoked-by-admin");
    const answer = await call("/admin/revoke-user-sessions", administrator, { userId: person.userId });
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.deepEqual(summary(await eventsOf(person.userId)), [revoked(person), "user.revoked -"].sort());
  });

  test("delete-user: the session, and the user's deletion", async () => {
    const person = await signUp(server, "deletes");
    const deleted = await call("/delete-user", person, { password: PASSWORD });
    assert.equal(deleted.status, 200, await deleted.clone().text());
    const events = await eventsOf(person.userId);
    assert.deepEqual(summary(events), [revoked(person), "user.deleted -"].sort());
    assert.ok(events.findIndex((event) => event.type === "session.revoked") < events.findIndex((event) => event.type === "user.deleted"));
  });

  test("nothing for another person's session, nor for a refused ban or revocation", async () => {
    const person = await signUp(server, "bystander");
    const intruder = await signUp(server, "intruder");
    assert.equal((await call("/revoke-session", intruder, { token: sessionToken(person.cookie) })).status, 200);
    assert.equal((await call("/admin/ban-user", intruder, { userId: person.userId })).status, 403);
    assert.equal((await call("/admin/revoke-user-sessions", intruder, { userId: person.userId })).status, 403);
    assert.deepEqual(await eventsOf(person.userId), []);
    assert.ok(await (await server.get("/get-session", { cookie: person.cookie })).json(), "the session still works");
  });

  test("a session that ended by expiring is deleted without an event", async () => {
    const person = await signUp(server, "expires");
    const context = await server.auth.$context;
    await context.adapter.update({ model: "session", where: [{ field: "id", value: person.sessionId }], update: { expiresAt: new Date(Date.now() - 1000) } });
    assert.equal(await (await server.get("/get-session", { cookie: person.cookie })).json(), null);
    assert.equal(await context.internalAdapter.findSession(sessionToken(person.cookie)), null, "Better Auth deleted it");
    assert.deepEqual(await eventsOf(person.userId), []);
  });
});
