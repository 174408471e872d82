import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { normaliseEmail } from "@/lib/failed-sign-ins";
import { PASSWORD_MAX } from "@/lib/validation";
import { DATABASE_KIND, deviceCookie, freshAddress, freshEmail, sharedDatabase, startAuth, type Env } from "./auth-server";

const PASSWORD = "correct horse battery";
const database = sharedDatabase();
// Two instances of the app over one database, as behind a load balancer; the real default limits.
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

const either = () => (Math.random() < 0.5 ? first : second);

type Instance = Awaited<ReturnType<typeof startAuth>>;

/** `times` sign-ins from `peer`, one after the other (through `via`, else either instance); their statuses. */
async function tries(email: string, password: string, peer: string, times: number, cookie?: string, via?: Instance) {
  const statuses: number[] = [];
  for (let n = 0; n < times; n += 1) statuses.push((await (via ?? either()).signIn({ email, password, peer, cookie })).status);
  return statuses;
}

const repeat = <T>(value: T, times: number): T[] => Array<T>(times).fill(value);

function assertRetryAfter(refused: Response, min: number, max: number) {
  const retryAfter = Number(refused.headers.get("Retry-After"));
  assert.ok(retryAfter >= min && retryAfter <= max, `Retry-After ${retryAfter} is within ${min}..${max}`);
  assert.equal(refused.headers.get("X-Retry-After"), String(retryAfter));
}

describe(`failed sign-ins per account and address (${DATABASE_KIND})`, () => {
  test("five wrong passwords from one address refuse that address for that account, right password too", async () => {
    const email = await account("guessed");
    const attacker = freshAddress();
    assert.deepEqual(await tries(email, "wrong", attacker, 5), repeat(401, 5));
    const refused = await first.signIn({ email, password: PASSWORD, peer: attacker });
    assert.equal(refused.status, 429);
    assertRetryAfter(refused, 890, 900);
    assert.equal(((await refused.json()) as { code?: string }).code, "TOO_MANY_FAILED_SIGN_INS");
  });

  test("while someone guesses from one address, the owner signs in from another", async () => {
    const email = await account("owner");
    const [attacker, owner] = [freshAddress(), freshAddress()];
    for (let round = 0; round < 3; round += 1) {
      const guesses = await tries(email, "wrong", attacker, 10);
      assert.equal(guesses.filter((status) => status === 401).length, round === 0 ? 5 : 0, "five guesses, then none");
      assert.equal((await either().signIn({ email, password: PASSWORD, peer: owner })).status, 200);
    }
  });

  test("the owner's success does not give the guessing address more tries", async () => {
    const email = await account("reset");
    const [attacker, owner] = [freshAddress(), freshAddress()];
    assert.deepEqual(await tries(email, "wrong", attacker, 5), repeat(401, 5));
    assert.equal((await first.signIn({ email, password: PASSWORD, peer: owner })).status, 200);
    assert.equal((await first.signIn({ email, password: "wrong", peer: attacker })).status, 429);
  });

  test("the counts are kept in the database, so every instance sees them", async () => {
    const email = await account("shared");
    const attacker = freshAddress();
    for (let guess = 1; guess <= 5; guess += 1) {
      const instance = guess % 2 ? first : second;
      assert.equal((await instance.signIn({ email, password: `guess ${guess}`, peer: attacker })).status, 401);
    }
    assert.equal((await first.signIn({ email, password: PASSWORD, peer: attacker })).status, 429);
    assert.equal((await second.signIn({ email, password: PASSWORD, peer: attacker })).status, 429);
  });

  test("spelling the email differently counts against the same account", async () => {
    const email = await account("spelled");
    const attacker = freshAddress();
    const [name = "", domain = ""] = email.split("@");
    const spellings = [email, email.toUpperCase(), `${name.toUpperCase()}@${domain}`, `${name}@${domain.toUpperCase()}`];
    spellings.push(`S${email.slice(1)}`);
    for (const spelling of spellings) {
      assert.equal((await either().signIn({ email: spelling, password: "wrong", peer: attacker })).status, 401);
    }
    assert.equal((await either().signIn({ email, password: PASSWORD, peer: attacker })).status, 429);
  });

  test("a success clears the address's count for the account: the limit is on failures in a row", async () => {
    const email = await account("forgetful");
    const owner = freshAddress();
    assert.deepEqual(await tries(email, "wrong", owner, 4), repeat(401, 4));
    assert.equal((await either().signIn({ email, password: PASSWORD, peer: owner })).status, 200);
    assert.deepEqual(await tries(email, "wrong", owner, 4), repeat(401, 4));
    assert.equal((await either().signIn({ email, password: PASSWORD, peer: owner })).status, 200);
  });

  test("concurrent guesses from one address cannot slip past the limit together", async () => {
    const email = await account("raced");
    const attacker = freshAddress();
    const answers = await Promise.all(Array.from({ length: 12 }, () => either().signIn({ email, password: "wrong", peer: attacker })));
    const statuses = answers.map((answer) => answer.status).sort();
    assert.deepEqual(statuses, [...repeat(401, 5), ...repeat(429, 7)]);
  });

  test("a request Better Auth refuses as malformed is not a failed guess", async () => {
    const email = await account("typo");
    const owner = freshAddress();
    assert.deepEqual(await tries(email, "x".repeat(PASSWORD_MAX + 1), owner, 6), repeat(400, 6));
    assert.equal((await first.signIn({ email, password: PASSWORD, peer: owner })).status, 200);
  });

  test("the window ends: after it, the address may try the account again", async () => {
    const auth = await startAuth({ ...database.env, RATE_LIMIT_FAILED_SIGN_IN: "2/3s" });
    const email = await account("patient");
    const attacker = freshAddress();
    for (let guess = 1; guess <= 2; guess += 1) {
      assert.equal((await auth.signIn({ email, password: "wrong", peer: attacker })).status, 401);
    }
    assert.equal((await auth.signIn({ email, password: PASSWORD, peer: attacker })).status, 429);
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    assert.equal((await auth.signIn({ email, password: PASSWORD, peer: attacker })).status, 200);
  });
});

describe(`the ceilings: per account from every address, per address over every account (${DATABASE_KIND})`, () => {
  const ceilings: Env = { ...database.env, RATE_LIMIT_FAILED_SIGN_IN_ACCOUNT: "8/h", RATE_LIMIT_FAILED_SIGN_IN_ADDRESS: "12/15m" };
  let auth: Awaited<ReturnType<typeof startAuth>>;
  before(async () => void (auth = await startAuth(ceilings)));

  test("guesses from many addresses stop at the account's ceiling; the owner's own browser still gets in", async () => {
    const email = await account("distributed");
    const signedIn = await auth.signIn({ email, password: PASSWORD, peer: freshAddress() });
    assert.equal(signedIn.status, 200);
    const device = deviceCookie(signedIn);
    assert.ok(device, "a sign-in leaves a device cookie");
    assert.match(signedIn.headers.getSetCookie().find((c) => c.startsWith(device.split("=")[0]!)) ?? "", /HttpOnly/i);

    const guesses: number[] = [];
    for (let guess = 0; guess < 12; guess += 1) {
      guesses.push((await auth.signIn({ email, password: `guess ${guess}`, peer: freshAddress() })).status);
    }
    assert.deepEqual(guesses, [...repeat(401, 8), ...repeat(429, 4)]);
    // A browser that never signed in to this account is refused, the right password too...
    const stranger = await auth.signIn({ email, password: PASSWORD, peer: freshAddress() });
    assert.equal(stranger.status, 429);
    assertRetryAfter(stranger, 3500, 3600);
    // ...the owner's browser is not, from wherever it is.
    assert.equal((await auth.signIn({ email, password: PASSWORD, peer: freshAddress(), cookie: device })).status, 200);
  });

  test("a device cookie counts its own failures, and only for its own account", async () => {
    const [email, other] = [await account("device"), await account("other")];
    const home = freshAddress();
    const device = deviceCookie(await auth.signIn({ email, password: PASSWORD, peer: home }));
    assert.ok(device, "a sign-in leaves a device cookie");
    assert.deepEqual(await tries(email, "wrong", home, 5, device, auth), repeat(401, 5));
    assert.equal((await auth.signIn({ email, password: PASSWORD, peer: home, cookie: device })).status, 429);
    // Without the cookie, the same browser is an address like any other: its own five.
    assert.equal((await auth.signIn({ email, password: PASSWORD, peer: freshAddress() })).status, 200);
    // The cookie is bound to its account: for another account it is no cookie at all.
    const elsewhere = freshAddress();
    assert.deepEqual(await tries(other, "wrong", elsewhere, 5, device, auth), repeat(401, 5));
    assert.equal((await auth.signIn({ email: other, password: PASSWORD, peer: elsewhere, cookie: device })).status, 429);
  });

  test("a made-up or altered device cookie is no device cookie", async () => {
    const email = await account("forged");
    const device = deviceCookie(await auth.signIn({ email, password: PASSWORD, peer: freshAddress() }));
    assert.ok(device, "a sign-in leaves a device cookie");
    for (let guess = 0; guess < 8; guess += 1) await auth.signIn({ email, password: "wrong", peer: freshAddress() });
    const [name, value = ""] = device.split("=");
    const altered = `${name}=${value.slice(0, -2)}${value.endsWith("AA") ? "BB" : "AA"}`;
    for (const cookie of [altered, `${name}=made-up.value`, `${name}=`]) {
      assert.equal((await auth.signIn({ email, password: PASSWORD, peer: freshAddress(), cookie })).status, 429, cookie);
    }
  });

  test("one address guessing many accounts stops at the address's ceiling; other addresses do not", async () => {
    const accounts = [await account("spray1"), await account("spray2"), await account("spray3")];
    const attacker = freshAddress();
    const statuses: number[] = [];
    for (const email of accounts) statuses.push(...(await tries(email, "wrong", attacker, 5, undefined, auth)));
    assert.deepEqual(statuses, [...repeat(401, 12), ...repeat(429, 3)]);
    for (const email of accounts) assert.equal((await auth.signIn({ email, password: PASSWORD, peer: freshAddress() })).status, 200);
  });
});

describe(`an office behind one address (${DATABASE_KIND})`, () => {
  test("refused guesses do not use up the address's sign-ins: 20 colleagues get in after 30 guesses", async () => {
    const office = freshAddress();
    const victim = await account("victim");
    const colleagues = await Promise.all(Array.from({ length: 20 }, (_, n) => account(`colleague${n}`)));
    const guesses = await tries(victim, "wrong", office, 30);
    assert.equal(guesses.filter((status) => status === 401).length, 5);
    const statuses = await Promise.all(colleagues.map((email) => either().signIn({ email, password: PASSWORD, peer: office })));
    assert.deepEqual(
      statuses.map((answer) => answer.status),
      repeat(200, 20),
    );
  });

  test("more sign-ins than the address may make in a minute get 429 with the wait", async () => {
    const auth = await startAuth({ ...database.env, RATE_LIMIT_SIGN_IN: "3/m" });
    const office = freshAddress();
    const people = await Promise.all(Array.from({ length: 4 }, (_, n) => account(`busy${n}`)));
    const statuses: number[] = [];
    for (const email of people) statuses.push((await auth.signIn({ email, password: PASSWORD, peer: office })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal((await auth.signIn({ email: people[3]!, password: PASSWORD, peer: freshAddress() })).status, 200);
  });
});

describe("normaliseEmail", () => {
  test("trims and lower-cases; anything but a non-blank string is no account", () => {
    assert.equal(normaliseEmail("  Ada@Example.COM\n"), "ada@example.com");
    for (const value of [undefined, null, 42, "   ", { email: "a@b.c" }]) assert.equal(normaliseEmail(value), null);
  });
});
