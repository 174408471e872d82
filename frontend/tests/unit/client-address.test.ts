import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { forwardedFor, parseTrustedProxies } from "@/lib/client-address";
import {
  DATABASE_KIND,
  freshAddress,
  freshEmail,
  sharedDatabase,
  startAuth,
  type Attempt,
  type Env,
} from "./auth-server";

const SIGN_IN_LIMIT = 3;
const PROXY = "192.0.2.10";
const database = sharedDatabase();
after(() => database.remove());

/** Statuses of sign-ins with wrong passwords for a new email each time, so only the address limit applies. */
async function statuses(env: Env, attempts: Omit<Attempt, "email" | "password">[]): Promise<number[]> {
  const auth = await startAuth({ ...database.env, ...env, RATE_LIMIT_SIGN_IN: `${SIGN_IN_LIMIT}/m` });
  const answers: number[] = [];
  for (const attempt of attempts) {
    const response = await auth.signIn({ ...attempt, email: freshEmail("nobody"), password: "wrong password" });
    answers.push(response.status);
  }
  return answers;
}

const limitedAfterThree = [401, 401, 401, 429, 429, 429];
const spoofed = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;

describe(`the address sign-ins are counted by (${DATABASE_KIND})`, () => {
  test("a direct client's made-up X-Forwarded-For is ignored when no proxy is trusted", async () => {
    const peer = freshAddress();
    const answers = await statuses({}, Array.from({ length: 6 }, () => ({ peer, xff: spoofed() })));
    assert.deepEqual(answers, limitedAfterThree);
  });

  test("a direct client is not believed either when proxies are trusted but it is not one", async () => {
    const peer = freshAddress();
    const answers = await statuses(
      { TRUSTED_PROXIES: PROXY },
      Array.from({ length: 6 }, () => ({ peer, xff: `${spoofed()}, ${PROXY}` })),
    );
    assert.deepEqual(answers, limitedAfterThree, "naming a trusted proxy inside the header proves nothing");
  });

  test("behind a trusted proxy each client has its own count", async () => {
    const client = freshAddress();
    const others = Array.from({ length: 6 }, () => ({ peer: PROXY, xff: freshAddress() }));
    assert.deepEqual(await statuses({ TRUSTED_PROXIES: "192.0.2.0/24" }, others), [401, 401, 401, 401, 401, 401]);
    const same = Array.from({ length: 6 }, () => ({ peer: PROXY, xff: client }));
    assert.deepEqual(await statuses({ TRUSTED_PROXIES: "192.0.2.0/24" }, same), limitedAfterThree);
  });

  test("through a chain, the first hop from the right that is not trusted is the client", async () => {
    // client → untrusted proxy (appends the client) → trusted proxy (appends the untrusted one) → us
    const untrustedProxy = freshAddress();
    const attempts = Array.from({ length: 6 }, () => ({
      peer: PROXY,
      xff: `${spoofed()}, ${freshAddress()}, ${untrustedProxy}`,
    }));
    assert.deepEqual(await statuses({ TRUSTED_PROXIES: PROXY }, attempts), limitedAfterThree);
  });
});

describe("forwardedFor", () => {
  test("without trusted proxies the header is the peer alone", () => {
    assert.equal(forwardedFor("203.0.113.9", "10.1.2.3", []), "10.1.2.3");
  });

  test("with trusted proxies the peer is appended to what came in, header lines in order", () => {
    assert.equal(forwardedFor("203.0.113.9", PROXY, [PROXY]), `203.0.113.9, ${PROXY}`);
    assert.equal(forwardedFor(["1.1.1.1", "2.2.2.2"], PROXY, [PROXY]), `1.1.1.1, 2.2.2.2, ${PROXY}`);
    assert.equal(forwardedFor(undefined, PROXY, [PROXY]), PROXY);
  });

  test("an unknown peer gives no address at all rather than the client's", () => {
    assert.equal(forwardedFor("203.0.113.9", undefined, [PROXY]), "");
  });
});

describe("parseTrustedProxies", () => {
  test("reads the API's format: comma-separated addresses or networks, unset meaning none", () => {
    assert.deepEqual(parseTrustedProxies(" 127.0.0.1, 10.0.0.0/8,::1 ,fd00::/8"), [
      "127.0.0.1",
      "10.0.0.0/8",
      "::1",
      "fd00::/8",
    ]);
    assert.deepEqual(parseTrustedProxies(undefined), []);
    assert.deepEqual(parseTrustedProxies(""), []);
  });

  test("an entry that is not an address or network stops startup, naming it", () => {
    for (const bad of ["proxy.internal", "10.0.0.0/33", "10.0.0.1/8/1", "::1/129", "10.0.0.0/x"]) {
      const named = new RegExp(`TRUSTED_PROXIES .*"${bad.replace(/[./]/g, "\\$&")}"`);
      assert.throws(() => parseTrustedProxies(`127.0.0.1,${bad}`), named);
    }
  });
});
