// What the plugin refuses to start with, and the configurations it accepts.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { decodeJwt } from "jose";
import { betterAuth } from "better-auth";
import { admin, jwt } from "better-auth/plugins";
import { revocationFeed } from "../index.js";
import { authOptions, freshDatabase, signUp, startAuth } from "./helpers.js";

const SECRET = "feed-secret-for-tests-only-0123456789abcdef";
const DEFINE_PAYLOAD_LINE = "jwt({ jwt: { definePayload: ({ user, session }) => ({ ...user, sid: session.id }) } })";

let store;
before(async () => {
  store = await freshDatabase("memory");
});
after(() => store.remove());

/** A Better Auth with `plugins` (and `overrides`) must refuse to start with `message`. */
async function refuses(config, message) {
  const auth = betterAuth(authOptions(store, config));
  await assert.rejects(auth.$context, (error) => {
    assert.match(error.message, message);
    return true;
  });
}

const tokenClaims = async (server, person) => decodeJwt((await (await server.get("/token", { cookie: person.cookie })).json()).token);

describe("refusing to start", () => {
  test("without the jwt plugin, showing the definePayload line", async () => {
    await refuses({ plugins: [revocationFeed({ secret: SECRET })] }, /needs Better Auth's jwt plugin/);
    await refuses({ plugins: [revocationFeed({ secret: SECRET })] }, new RegExp(DEFINE_PAYLOAD_LINE.replace(/[()[\]{}.+*?^$|]/g, "\\$&")));
  });

  test("with jwt() created without options: there is nothing to add sid to", async () => {
    await refuses({ plugins: [jwt(), revocationFeed({ secret: SECRET })] }, /jwt\(\) was created without an options object.*jwt\(\{\}\)/);
  });

  test("with jwt options that cannot be changed", async () => {
    await refuses({ plugins: [jwt(Object.freeze({ jwt: Object.freeze({}) })), revocationFeed({ secret: SECRET })] }, /cannot be changed.*definePayload/);
  });

  test("with a feed secret under 32 characters: at once, when the plugin is made", () => {
    assert.throws(() => revocationFeed({ secret: "x".repeat(31) }), /at least 32 characters/);
    assert.doesNotThrow(() => revocationFeed({ secret: "x".repeat(32) }));
  });

  test("with the Better Auth secret as the feed secret", async () => {
    const secret = "the-same-secret-for-both-0123456789abcdef";
    await refuses({ secret, plugins: [jwt({}), revocationFeed({ secret })] }, /must differ from the Better Auth secret/);
  });

  test("with secondaryStorage and sessions kept only there: no hook would run", async () => {
    const secondaryStorage = memoryStorage();
    await refuses({ secondaryStorage, plugins: [jwt({}), revocationFeed({ secret: SECRET })] }, /secondaryStorage.*storeSessionInDatabase: true/);
  });
});

describe("starting", () => {
  test("REVOCATION_FEED_SECRET is read when no secret is given; unset, the feed is off", () => {
    const saved = process.env.REVOCATION_FEED_SECRET;
    try {
      process.env.REVOCATION_FEED_SECRET = "short";
      assert.throws(() => revocationFeed(), /at least 32 characters/);
      assert.doesNotThrow(() => revocationFeed({ secret: null }), "an explicit null wins over the variable");
      delete process.env.REVOCATION_FEED_SECRET;
      assert.doesNotThrow(() => revocationFeed());
    } finally {
      if (saved === undefined) delete process.env.REVOCATION_FEED_SECRET;
      else process.env.REVOCATION_FEED_SECRET = saved;
    }
  });

  test("jwt({}) is enough: tokens carry sid", async () => {
    const server = await startAuth(store, { plugins: [jwt({}), revocationFeed({ secret: SECRET })] });
    const person = await signUp(server, "bare-jwt");
    const claims = await tokenClaims(server, person);
    assert.equal(claims.sid, person.sessionId);
    assert.equal(claims.email, person.email, "the default payload (the user) is kept");
  });

  test("a definePayload that needs a real user is kept, and sid added", async () => {
    const definePayload = ({ user }) => {
      if (!user.email.endsWith("@example.com")) throw new Error("not one of ours");
      return { id: user.id, kind: "person" };
    };
    const server = await startAuth(store, { plugins: [jwt({ jwt: { definePayload } }), revocationFeed({ secret: SECRET })] });
    const person = await signUp(server, "own-payload");
    const claims = await tokenClaims(server, person);
    assert.deepEqual([claims.kind, claims.sid], ["person", person.sessionId]);
  });

  test("two instances built from one jwt options object wrap it once", async () => {
    const options = { jwt: { definePayload: ({ user }) => ({ id: user.id }) } };
    const first = await startAuth(store, { plugins: [jwt(options), admin(), revocationFeed({ secret: SECRET })] });
    await startAuth(store, { plugins: [jwt(options), revocationFeed({ secret: SECRET })] });
    const payload = await options.jwt.definePayload({ user: { id: "u" }, session: { id: "s" } });
    assert.deepEqual(payload, { id: "u", sid: "s" });
    const person = await signUp(first, "twice");
    assert.equal((await tokenClaims(first, person)).sid, person.sessionId);
  });

  test("secondaryStorage with storeSessionInDatabase: sign-out is recorded", async () => {
    const server = await startAuth(store, {
      secondaryStorage: memoryStorage(),
      session: { storeSessionInDatabase: true },
      plugins: [jwt({}), revocationFeed({ secret: SECRET })],
    });
    const person = await signUp(server, "cached");
    assert.equal((await server.post("/sign-out", {}, { cookie: person.cookie })).status, 200);
    const { adapter } = await server.auth.$context;
    const rows = await adapter.findMany({ model: "revocationEvent", where: [{ field: "userId", value: person.userId }] });
    assert.deepEqual(rows.map((row) => [row.type, row.sessionId]), [["session.revoked", person.sessionId]]);
  });
});

function memoryStorage() {
  const values = new Map();
  return {
    get: async (key) => values.get(key) ?? null,
    set: async (key, value) => {
      values.set(key, value);
    },
    delete: async (key) => {
      values.delete(key);
    },
  };
}
