import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { EMAIL_MAX, NAME_MAX, PASSWORD_MAX } from "@/lib/validation";
import { DATABASE_KIND, freshAddress, freshEmail, sessionCookie, sharedDatabase, startAuth } from "./auth-server";

// The web app's Better Auth: what a person can store in their account is bounded, on sign-up
// and on update-user alike, with a 400 that says why.
const database = sharedDatabase();
let server: Awaited<ReturnType<typeof startAuth>>;
before(async () => {
  server = await startAuth(database.env);
});
after(() => database.remove());

const PASSWORD = "correct horse battery";

function signUp(body: object): Promise<Response> {
  return server.post("/sign-up/email", { email: freshEmail("limits"), password: PASSWORD, ...body }, freshAddress());
}

async function signedUp(): Promise<string> {
  const answer = await signUp({ name: "Test Person" });
  assert.equal(answer.status, 200);
  return sessionCookie(answer);
}

async function sessionName(cookie: string): Promise<string> {
  const session = await (await server.get("/get-session", { cookie })).json();
  return session.user.name;
}

test(`sign-up takes a name of ${NAME_MAX} characters and refuses one more (${DATABASE_KIND})`, async () => {
  assert.equal((await signUp({ name: "n".repeat(NAME_MAX) })).status, 200);
  const refused = await signUp({ name: "n".repeat(NAME_MAX + 1) });
  assert.equal(refused.status, 400);
  assert.deepEqual(await refused.json(), {
    code: "NAME_TOO_LONG",
    message: `Name must be at most ${NAME_MAX} characters.`,
  });
});

test("sign-up refuses a megabyte name", async () => {
  const refused = await signUp({ name: "n".repeat(1_000_000) });
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).code, "NAME_TOO_LONG");
});

test("update-user refuses a name over the limit and keeps the old one", async () => {
  const cookie = await signedUp();
  const refused = await server.post("/update-user", { name: "n".repeat(NAME_MAX + 1) }, freshAddress(), undefined, { cookie });
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).code, "NAME_TOO_LONG");
  assert.equal(await sessionName(cookie), "Test Person");

  const renamed = await server.post("/update-user", { name: "n".repeat(NAME_MAX) }, freshAddress(), undefined, { cookie });
  assert.equal(renamed.status, 200);
  assert.equal(await sessionName(cookie), "n".repeat(NAME_MAX));
});

test("a profile image is refused on sign-up and on update-user", async () => {
  const atSignUp = await signUp({ name: "Test Person", image: "https://example.com/me.png" });
  assert.equal(atSignUp.status, 400);
  assert.equal((await atSignUp.json()).code, "IMAGE_NOT_SUPPORTED");

  const cookie = await signedUp();
  const later = await server.post("/update-user", { image: "x".repeat(100_000) }, freshAddress(), undefined, { cookie });
  assert.equal(later.status, 400);
  assert.equal((await later.json()).code, "IMAGE_NOT_SUPPORTED");
});

test(`sign-up refuses an email over ${EMAIL_MAX} characters`, async () => {
  const email = `${"a".repeat(60)}@${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(60)}.com`;
  assert.ok(email.length > EMAIL_MAX);
  const refused = await server.post("/sign-up/email", { name: "Test Person", email, password: PASSWORD }, freshAddress());
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).code, "EMAIL_TOO_LONG");
});

test(`sign-up refuses a password over ${PASSWORD_MAX} characters`, async () => {
  const refused = await signUp({ name: "Test Person", password: "p".repeat(PASSWORD_MAX + 1) });
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).code, "PASSWORD_TOO_LONG");
});
