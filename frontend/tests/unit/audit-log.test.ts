import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { formatAuditLine } from "@/lib/audit-log";
import { requestIdFor } from "@/lib/request-id";
import { auditLines, DATABASE_KIND, freshAddress, freshEmail, sessionCookie, sessionToken, sharedDatabase, startAuth } from "./auth-server";

const PASSWORD = "correct horse battery";
const database = sharedDatabase();
let server: Awaited<ReturnType<typeof startAuth>>;

before(async () => {
  server = await startAuth(database.env);
});
after(() => database.remove());

type Line = Record<string, unknown>;

/** Runs `action` and returns the audit lines it wrote, each checked to be one line of JSON. */
async function linesOf(action: () => Promise<unknown>): Promise<Line[]> {
  const start = auditLines.length;
  await action();
  return auditLines.slice(start).map((line) => {
    assert.doesNotMatch(line, /[\n\r\u2028\u2029\u0085]/, "one line");
    return JSON.parse(line) as Line;
  });
}

let requests = 0;
/** A request from its own address with its own request id, so each line can be traced to it. */
function from() {
  requests += 1;
  return { peer: freshAddress(), requestId: `req-${process.pid}-${requests}` };
}

async function post(path: string, body: object, origin: { peer: string; requestId: string }, cookie?: string) {
  return server.post(path, body, origin.peer, undefined, { "x-request-id": origin.requestId, ...(cookie ? { cookie } : {}) });
}

async function signUp(name: string) {
  const email = freshEmail(name);
  const origin = from();
  let response: Response | undefined;
  const lines = await linesOf(async () => {
    response = await post("/sign-up/email", { name: "Test Person", email, password: PASSWORD }, origin);
  });
  assert.equal(response?.status, 200);
  const cookie = sessionCookie(response!);
  const answer = (await (await server.get("/get-session", { cookie })).json()) as { user: { id: string }; session: { id: string } };
  return { email, cookie, userId: answer.user.id, sessionId: answer.session.id, lines, origin };
}

const pick = (line: Line | undefined, ...keys: string[]) => Object.fromEntries(keys.map((key) => [key, line?.[key]]));

describe(`the audit trail (${DATABASE_KIND})`, () => {
  test("sign-up, then a failed and a good sign-in: user, session, client address and request id on each", async () => {
    const person = await signUp("audited");
    assert.deepEqual(person.lines.map((line) => pick(line, "event", "level", "logger", "user_id", "session_id", "client", "request_id")), [
      {
        event: "sign-up",
        level: "INFO",
        logger: "audit",
        user_id: person.userId,
        session_id: person.sessionId,
        client: person.origin.peer,
        request_id: person.origin.requestId,
      },
    ]);

    const wrong = from();
    const failed = await linesOf(() => post("/sign-in/email", { email: person.email, password: "not the password" }, wrong));
    assert.deepEqual(failed.map((line) => pick(line, "event", "level", "user_id", "session_id", "email", "status", "reason", "client", "request_id")), [
      {
        event: "sign-in-failed",
        level: "WARNING",
        user_id: person.userId,
        session_id: null,
        email: person.email,
        status: 401,
        reason: "INVALID_EMAIL_OR_PASSWORD",
        client: wrong.peer,
        request_id: wrong.requestId,
      },
    ]);

    const right = from();
    let cookie = "";
    const signedIn = await linesOf(async () => {
      cookie = sessionCookie(await post("/sign-in/email", { email: person.email, password: PASSWORD }, right));
    });
    const answer = (await (await server.get("/get-session", { cookie })).json()) as { session: { id: string } };
    assert.deepEqual(signedIn.map((line) => pick(line, "event", "user_id", "session_id", "client", "request_id")), [
      { event: "sign-in", user_id: person.userId, session_id: answer.session.id, client: right.peer, request_id: right.requestId },
    ]);
  });

  test("sign-out, a revoked session, a ban and a deletion; the administrator is named as the actor", async () => {
    const person = await signUp("revoked");
    const phone = sessionCookie(await server.signIn({ email: person.email, password: PASSWORD, peer: freshAddress() }));
    const phoneSession = ((await (await server.get("/get-session", { cookie: phone })).json()) as { session: { id: string } }).session.id;

    const revoking = from();
    const revoked = await linesOf(() => post("/revoke-session", { token: sessionToken(phone) }, revoking, person.cookie));
    assert.deepEqual(revoked.map((line) => pick(line, "event", "user_id", "session_id", "client", "request_id", "via")), [
      { event: "session-revoked", user_id: person.userId, session_id: phoneSession, client: revoking.peer, request_id: revoking.requestId, via: "/revoke-session" },
    ]);

    const leaving = from();
    const signedOut = await linesOf(() => post("/sign-out", {}, leaving, person.cookie));
    assert.deepEqual(signedOut.map((line) => pick(line, "event", "user_id", "session_id", "client", "request_id")), [
      { event: "sign-out", user_id: person.userId, session_id: person.sessionId, client: leaving.peer, request_id: leaving.requestId },
    ]);

    const administrator = await signUp("auditor");
    await (await server.auth.$context).internalAdapter.updateUser(administrator.userId, { role: "admin" });
    const target = await signUp("troublemaker");
    const banning = from();
    const ban = await linesOf(() => post("/admin/ban-user", { userId: target.userId }, banning, administrator.cookie));
    assert.deepEqual(ban.map((line) => pick(line, "event", "user_id", "session_id", "actor_id", "actor_session_id", "client", "request_id")).sort(byEvent), [
      { event: "session-revoked", user_id: target.userId, session_id: target.sessionId, actor_id: administrator.userId, actor_session_id: administrator.sessionId, client: banning.peer, request_id: banning.requestId },
      { event: "user-banned", user_id: target.userId, session_id: null, actor_id: administrator.userId, actor_session_id: administrator.sessionId, client: banning.peer, request_id: banning.requestId },
    ]);

    const quitter = await signUp("quitter");
    const deleting = from();
    const deleted = await linesOf(() => post("/delete-user", { password: PASSWORD }, deleting, quitter.cookie));
    assert.deepEqual(deleted.map((line) => pick(line, "event", "user_id", "session_id", "client", "request_id")).sort(byEvent), [
      { event: "session-revoked", user_id: quitter.userId, session_id: quitter.sessionId, client: deleting.peer, request_id: deleting.requestId },
      { event: "user-deleted", user_id: quitter.userId, session_id: quitter.sessionId, client: deleting.peer, request_id: deleting.requestId },
    ]);
  });

  test("every event of one person is found by user id, and no line carries a password, token or cookie", async () => {
    const before = auditLines.length;
    const person = await signUp("traced");
    await server.signIn({ email: person.email, password: "a wrong password", peer: freshAddress() });
    const second = sessionCookie(await server.signIn({ email: person.email, password: PASSWORD, peer: freshAddress() }));
    await post("/sign-out", {}, from(), second);
    await post("/delete-user", { password: PASSWORD }, from(), person.cookie);
    const written = auditLines.slice(before);
    const events = written.map((line) => JSON.parse(line) as Line).filter((line) => line.user_id === person.userId).map((line) => line.event);
    assert.deepEqual(events, ["sign-up", "sign-in-failed", "sign-in", "sign-out", "session-revoked", "user-deleted"]);
    for (const secret of [PASSWORD, "a wrong password", sessionToken(person.cookie), sessionToken(second), database.env.BETTER_AUTH_SECRET!]) {
      assert.ok(!written.some((line) => line.includes(secret)), "a secret in the log");
    }
  });

  test("what a client typed cannot forge a line: an email with line breaks stays in its own line, escaped", async () => {
    const origin = from();
    const forged = 'x@example.com\n{"event":"sign-in","user_id":"admin"}\u2028\u0085';
    const lines = await linesOf(() => post("/sign-in/email", { email: forged, password: "whatever it is" }, origin));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.event, "sign-in-failed");
    assert.equal(lines[0]?.email, forged.toLowerCase());
    assert.match(auditLines.at(-1) ?? "", /\\n\{\\"event\\":\\"sign-in\\".*\\u2028\\u0085/);
  });

  test("a request id that is not plain is not logged as sent", async () => {
    const hostile = "id\nforged";
    const lines = await linesOf(() =>
      server.post("/sign-in/email", { email: freshEmail("nobody"), password: "whatever it is" }, freshAddress(), undefined, { "x-request-id": "a".repeat(129) }),
    );
    assert.equal(lines[0]?.request_id, null);
    assert.equal(requestIdFor(hostile).length, 32);
    assert.notEqual(requestIdFor(hostile), hostile);
    assert.equal(requestIdFor("req-123:a.b_c"), "req-123:a.b_c");
    assert.notEqual(requestIdFor(undefined), requestIdFor(undefined));
  });
});

describe("formatAuditLine", () => {
  test("C0 and C1 controls, DEL, U+2028 and U+2029 are escaped, and the value reads back intact", () => {
    const value = "a\nb\rc\u0000d\u007fe\u0085f\u2028g\u2029h\"i\\j";
    const line = formatAuditLine("sign-in-failed", { email: value }, new Date(0));
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    const parsed = JSON.parse(line) as Line;
    assert.equal(parsed.email, value);
    assert.deepEqual(pick(parsed, "time", "level", "logger", "event"), {
      time: "1970-01-01T00:00:00.000Z",
      level: "WARNING",
      logger: "audit",
      event: "sign-in-failed",
    });
  });
});

function byEvent(a: Line, b: Line): number {
  return String(a.event).localeCompare(String(b.event));
}
