import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { normaliseEmail } from "@/lib/failed-sign-ins";
import { PASSWORD_MAX } from "@/lib/validation";
import { DATABASE_KIND, freshAddress, freshEmail, sharedDatabase, startAuth } from "./auth-server";

const PASSWORD = "correct horse battery";
const database = sharedDatabase();
// Two instances of the app over one database, as behind a load balancer; the real default limit.
let first: Awaited<ReturnType<typeof startAuth>>;
let second: Awaited<ReturnType<typeof startAuth>>;

before(async () => {
  first = await startAuth(database.env);
  second = await startAuth(database.env);
});
after(() => database.remove());

async function account(name: string): Promise<string> {
  const email = freshEmail(name);
  assert.equal((await first.signUp(email, PASSWORD, freshAddress())).status, 200);
  return email;
}

/** A sign-in from an address never seen before, so only the per-account count can refuse it. */
const signInFromAnywhere = (email: string, password: string) =>
  (Math.random() < 0.5 ? first : second).signIn({ email, password, peer: freshAddress() });

describe(`failed sign-ins per account (${DATABASE_KIND})`, () => {
  test("five wrong passwords from five addresses lock the account, right password too, with Retry-After", async () => {
    const email = await account("guessed");
    for (let guess = 1; guess <= 5; guess += 1) {
      assert.equal((await signInFromAnywhere(email, `guess ${guess}`)).status, 401, `guess ${guess}`);
    }
    for (const password of ["guess 6", PASSWORD]) {
      const refused = await signInFromAnywhere(email, password);
      assert.equal(refused.status, 429);
      const retryAfter = Number(refused.headers.get("Retry-After"));
      assert.ok(retryAfter > 890 && retryAfter <= 900, `Retry-After ${retryAfter} is the rest of 15 minutes`);
      assert.equal(refused.headers.get("X-Retry-After"), String(retryAfter));
    }
  });

  test("the count is kept in the database, so every instance sees it", async () => {
    const email = await account("shared");
    for (let guess = 1; guess <= 5; guess += 1) {
      const instance = guess % 2 ? first : second;
      assert.equal((await instance.signIn({ email, password: `guess ${guess}`, peer: freshAddress() })).status, 401);
    }
    assert.equal((await first.signIn({ email, password: PASSWORD, peer: freshAddress() })).status, 429);
    assert.equal((await second.signIn({ email, password: PASSWORD, peer: freshAddress() })).status, 429);
  });

  test("spelling the email differently counts against the same account", async () => {
    const email = await account("spelled");
    const [name = "", domain = ""] = email.split("@");
    const spellings = [email, email.toUpperCase(), `${name.toUpperCase()}@${domain}`, `${name}@${domain.toUpperCase()}`];
    spellings.push(`S${email.slice(1)}`);
    for (const spelling of spellings) assert.equal((await signInFromAnywhere(spelling, "wrong")).status, 401);
    assert.equal((await signInFromAnywhere(email, PASSWORD)).status, 429);
  });

  test("a success clears the count: the limit is on failures in a row", async () => {
    const email = await account("forgetful");
    for (let guess = 1; guess <= 4; guess += 1) assert.equal((await signInFromAnywhere(email, "wrong")).status, 401);
    assert.equal((await signInFromAnywhere(email, PASSWORD)).status, 200);
    for (let guess = 1; guess <= 4; guess += 1) assert.equal((await signInFromAnywhere(email, "wrong")).status, 401);
    assert.equal((await signInFromAnywhere(email, PASSWORD)).status, 200);
  });

  test("concurrent guesses cannot slip past the limit together", async () => {
    const email = await account("raced");
    const answers = await Promise.all(Array.from({ length: 12 }, () => signInFromAnywhere(email, "wrong")));
    const statuses = answers.map((answer) => answer.status).sort();
    assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(7).fill(429)]);
  });

  test("a request Better Auth refuses as malformed is not a failed guess", async () => {
    const email = await account("typo");
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      const tooLong = "x".repeat(PASSWORD_MAX + 1);
      assert.equal((await signInFromAnywhere(email, tooLong)).status, 400, "too long a password is a bad request");
    }
    assert.equal((await signInFromAnywhere(email, PASSWORD)).status, 200);
  });

  test("the window ends: after it, the account may be tried again", async () => {
    const env = { ...database.env, RATE_LIMIT_FAILED_SIGN_IN: "2/1s" };
    const auth = await startAuth(env);
    const email = await account("patient");
    for (let guess = 1; guess <= 2; guess += 1) {
      assert.equal((await auth.signIn({ email, password: "wrong", peer: freshAddress() })).status, 401);
    }
    assert.equal((await auth.signIn({ email, password: PASSWORD, peer: freshAddress() })).status, 429);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal((await auth.signIn({ email, password: PASSWORD, peer: freshAddress() })).status, 200);
  });
});

describe("normaliseEmail", () => {
  test("trims and lower-cases; anything but a non-blank string is no account", () => {
    assert.equal(normaliseEmail("  Ada@Example.COM\n"), "ada@example.com");
    for (const value of [undefined, null, 42, "   ", { email: "a@b.c" }]) assert.equal(normaliseEmail(value), null);
  });
});
