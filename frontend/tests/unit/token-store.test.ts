import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readAccessToken } from "@/lib/jwt-claims";
import {
  createTokenStore,
  refreshMarginMs,
  SessionEndedError,
  type TokenChannel,
  type TokenMessage,
} from "@/lib/token-store";
import { fakeJwt } from "./fakes";

const START_SECONDS = 1_800_000_000;

/** A clock the test moves, and a Better Auth that issues 15-minute tokens at the clock's time. */
function setUp(options: { subject?: string; expectedSubject?: string; channel?: TokenChannel } = {}) {
  let nowMs = START_SECONDS * 1000;
  let issued = 0;
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const lockRuns: number[] = [];

  const fetchToken = async () => {
    issued += 1;
    await gate;
    const iat = Math.floor(nowMs / 1000);
    return fakeJwt({ sub: options.subject ?? "alice", iat, exp: iat + 900 }, `t${issued}`);
  };
  const store = createTokenStore({
    fetchToken,
    now: () => nowMs,
    expectedSubject: options.expectedSubject,
    channel: options.channel,
    withRefreshLock: (work) => {
      lockRuns.push(issued);
      return work();
    },
  });
  return {
    store,
    issued: () => issued,
    lockRuns,
    advance: (ms: number) => void (nowMs += ms),
    /** Holds token requests until `open()`, to line up concurrent callers. */
    hold: () => void (gate = new Promise((resolve) => (release = resolve))),
    open: () => release?.(),
  };
}

function memoryChannel() {
  const listeners: ((message: TokenMessage) => void)[] = [];
  const published: TokenMessage[] = [];
  const channel: TokenChannel = {
    publish: (message) => void published.push(message),
    subscribe: (listener) => {
      listeners.push(listener);
      return () => undefined;
    },
  };
  return { channel, published, deliver: (message: TokenMessage) => listeners.forEach((listener) => listener(message)) };
}

describe("token store", () => {
  test("while a sign-out is under way no token is asked for, and one in flight is waited for first", async () => {
    const { store, issued, hold, open } = setUp();
    hold();
    const racing = store.get(); // asked for just before the click
    let pauseDone = false;
    const pausing = store.pause().then(() => void (pauseDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(pauseDone, false, "the sign-out waits for the token request already sent");
    open();
    await pausing;
    await racing;

    store.clear();
    let served = false;
    const later = store.get().then(() => void (served = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(issued(), 1, "nothing more is asked of Better Auth while signing out");
    assert.equal(served, false);

    store.resume(); // the sign-out failed: the page goes on
    await later;
    assert.equal(issued(), 2);
  });

  test("fetches once, then serves the token from memory while it is fresh", async () => {
    const { store, issued } = setUp();

    const first = await store.get();
    const second = await store.get();

    assert.equal(first.value, second.value);
    assert.equal(first.subject, "alice");
    assert.equal(issued(), 1);
  });

  test("refreshes shortly before exp, not after", async () => {
    const { store, issued, advance } = setUp();
    const first = await store.get();
    const margin = refreshMarginMs(first);
    assert.equal(margin, 60_000, "a minute before a 15-minute token runs out");

    advance(900_000 - margin - 1_000);
    assert.equal((await store.get()).value, first.value);
    assert.equal(issued(), 1);

    advance(2_000);
    assert.notEqual((await store.get()).value, first.value);
    assert.equal(issued(), 2);
  });

  test("a short-lived token is renewed a fifth of its life early", () => {
    const token = readAccessToken(fakeJwt({ sub: "alice", iat: START_SECONDS, exp: START_SECONDS + 10 }));
    assert.equal(refreshMarginMs(token), 2_000);
  });

  test("concurrent callers share one refresh", async () => {
    const { store, issued, hold, open } = setUp();
    hold();

    const pending = Promise.all([store.get(), store.get(), store.refresh(), store.get()]);
    open();
    const tokens = await pending;

    assert.equal(issued(), 1);
    assert.equal(new Set(tokens.map((token) => token.value)).size, 1);
  });

  test("a refresh for a token already replaced returns the replacement without fetching", async () => {
    const { store, issued } = setUp();
    const stale = await store.get();
    const fresh = await store.refresh(stale.value);

    assert.equal(await store.refresh(stale.value), fresh);
    assert.equal(issued(), 2);
  });

  test("refreshes run inside the cross-tab lock", async () => {
    const { store, lockRuns } = setUp();
    await store.get();
    await store.refresh((await store.get()).value);
    assert.equal(lockRuns.length, 2);
  });

  test("clear() forgets the token and tells the other tabs", async () => {
    const { channel, published } = memoryChannel();
    const { store, issued } = setUp({ channel });
    await store.get();

    store.clear();
    await store.get();

    assert.equal(issued(), 2);
    assert.deepEqual(published.at(1), { type: "cleared" });
  });

  test("adopts a later token from another tab for the same person only", async () => {
    const { channel, deliver } = memoryChannel();
    const { store, issued } = setUp({ channel });
    const own = await store.get();

    deliver({ type: "token", value: fakeJwt({ sub: "mallory", iat: START_SECONDS + 5, exp: START_SECONDS + 905 }) });
    assert.equal((await store.get()).value, own.value);

    const later = fakeJwt({ sub: "alice", iat: START_SECONDS + 5, exp: START_SECONDS + 905 }, "other-tab");
    deliver({ type: "token", value: later });
    assert.equal((await store.get()).value, later);

    deliver({ type: "cleared" });
    await store.get();
    assert.equal(issued(), 2);
  });

  test("publishes each new token to the other tabs", async () => {
    const { channel, published } = memoryChannel();
    const { store } = setUp({ channel });
    const token = await store.get();
    assert.deepEqual(published, [{ type: "token", value: token.value }]);
  });

  test("a token for someone other than the page's person ends the session", async () => {
    const { store } = setUp({ subject: "bob", expectedSubject: "alice" });
    await assert.rejects(store.get(), SessionEndedError);
  });

  test("a failed refresh is not cached: the next call tries again", async () => {
    let calls = 0;
    const store = createTokenStore({
      fetchToken: async () => {
        calls += 1;
        if (calls === 1) throw new Error("offline");
        return fakeJwt({ sub: "alice", iat: START_SECONDS, exp: START_SECONDS + 900 });
      },
      now: () => START_SECONDS * 1000,
    });

    await assert.rejects(store.get(), /offline/);
    assert.equal((await store.get()).subject, "alice");
  });
});
