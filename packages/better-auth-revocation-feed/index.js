/**
 * better-auth-revocation-feed: the issuer side of the revocation feed protocol,
 * version 1 (PROTOCOL.md), as a Better Auth plugin.
 *
 * It keeps an outbox of ended sessions and revoked or deleted users in Better
 * Auth's own database, adds the session id (`sid`) to the jwt plugin's tokens,
 * and serves the outbox at GET <basePath>/revocations as pages signed with the
 * jwt plugin's own key.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { getCurrentAdapter } from "better-auth";
import { APIError, createAuthEndpoint, createAuthMiddleware } from "better-auth/api";
import { signJWT, toExpJWT } from "better-auth/plugins/jwt";

const MODEL = "revocationEvent";
const PROTOCOL_VERSION = 1;
const PAGE_TYPE = "revocation-feed+jwt";
const PAGE_LIFETIME_SECONDS = 60;
export const MIN_SECRET_LENGTH = 32;
const REPLAY_WINDOW_SECONDS = 30;
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 1000;
const MAX_ID = Number.MAX_SAFE_INTEGER; // 2^53 - 1
// An event outlives the last token it can match by this much, for clocks that disagree a little.
const EXPIRY_MARGIN_SECONDS = 60;
/** How long a user.deleted event is kept (30 days), whatever the tokens' lifetime. */
export const DELETION_RETENTION_SECONDS = 30 * 24 * 3600;
// Feed reads prune at most this often; writes prune every time.
const PRUNE_INTERVAL_MS = 60_000;
// Other instances may take the next id first; past this many tries in a row, the write fails.
// Each retry waits a little, at random, so instances that collided do not collide again.
// Sessions ended per query after a restore.
const RESTORE_BATCH = 500;
const WRITE_ATTEMPTS = 20;
const RETRY_PAUSE_MS = 5;
const AUTHORIZATION = /^Revocation-HMAC\s+t=(\d{1,12})\s*,\s*sig=([0-9a-f]{64})$/;
const WHOLE_NUMBER = /^\d{1,16}$/;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const QUERY_PARAMETERS = new Set(["after", "limit", "nonce"]);
const DEFINE_PAYLOAD_LINE = "jwt({ jwt: { definePayload: ({ user, session }) => ({ ...user, sid: session.id }) } })";
const WRAPPED = Symbol.for("better-auth-revocation-feed.definePayload");

// Actions that revoke every token of a user, and whose tokens they are.
const USER_WIDE = {
  "/revoke-sessions": (ctx) => ctx.context.session?.user?.id,
  "/admin/revoke-user-sessions": (ctx) => ctx.body?.userId,
  "/admin/ban-user": (ctx) => ctx.body?.userId,
  "/admin/update-user": (ctx) => (ctx.body?.data?.banned === true ? ctx.body.userId : undefined),
};

// Actions after which the sessions a user started as someone else (the admin plugin's impersonation)
// must end too: those sessions belong to the person impersonated, so nothing else ends them.
const ENDS_IMPERSONATIONS = {
  ...USER_WIDE,
  "/change-password": (ctx) => (ctx.body?.revokeOtherSessions === true ? ctx.context.session?.user?.id : undefined),
};

/** Ends (with their events) the live sessions `userId` started while impersonating others. */
async function endImpersonationsBy(context, userId) {
  if (!context.options.plugins?.some((plugin) => plugin.id === "admin")) return; // no impersonation without it
  const sessions = await context.adapter.findMany({
    model: "session",
    where: [{ field: "impersonatedBy", value: userId }],
  });
  for (const session of sessions) await context.internalAdapter.deleteSession(session.token);
}

// This process's writes, one after another, so that its instances never race each other for an
// id (the memory adapter has no unique index to catch that). Other processes are caught by the index.
let writes = Promise.resolve();

const nowSeconds = () => Math.floor(Date.now() / 1000);
const randomId = () => randomBytes(16).toString("base64url");

function refuse(message) {
  return new Error(`better-auth-revocation-feed: ${message}`);
}

/** The feed secret from the option or REVOCATION_FEED_SECRET; null turns the feed off. */
function readSecret(options) {
  const secret = "secret" in options ? options.secret : process.env.REVOCATION_FEED_SECRET;
  if (secret === undefined || secret === null || secret === "") return null;
  if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
    throw refuse(
      `the feed secret (REVOCATION_FEED_SECRET) must be at least ${MIN_SECRET_LENGTH} characters; leave it unset or empty to turn the feed off.`,
    );
  }
  return secret;
}

/** Every secret Better Auth signs or encrypts with. */
function betterAuthSecrets(context) {
  const secrets = [context.secret];
  const config = context.secretConfig;
  if (config && typeof config === "object") {
    secrets.push(config.legacySecret, ...(config.keys instanceof Map ? config.keys.values() : []));
  }
  return secrets.filter((secret) => typeof secret === "string" && secret !== "");
}

/** The jwt plugin's options object, with `sid` added to its tokens' payload; refuses to start otherwise. */
async function addSessionIdToTokens(context) {
  const jwtPlugin = context.options.plugins?.find((plugin) => plugin.id === "jwt");
  if (!jwtPlugin) {
    throw refuse(`it needs Better Auth's jwt plugin in plugins too (in any order): jwt({}), or ${DEFINE_PAYLOAD_LINE}.`);
  }
  const options = jwtPlugin.options;
  if (!options || typeof options !== "object") {
    throw refuse(
      `jwt() was created without an options object, so the session id (sid) cannot be added to its tokens. Write jwt({}) instead, or add it yourself: ${DEFINE_PAYLOAD_LINE}`,
    );
  }
  try {
    options.jwt ??= {};
    const inner = options.jwt.definePayload;
    if (!inner?.[WRAPPED]) {
      const definePayload = async (session) => ({
        ...(inner ? await inner(session) : session.user),
        sid: session.session.id,
      });
      definePayload[WRAPPED] = true;
      options.jwt.definePayload = definePayload;
    }
  } catch (error) {
    throw refuse(`the jwt plugin's options cannot be changed (${error.message}). Add the session id yourself: ${DEFINE_PAYLOAD_LINE}`);
  }
  const probe = { user: { id: "probe-user", email: "probe@example.invalid", name: "probe", emailVerified: false }, session: { id: "probe-session", userId: "probe-user", token: "probe", expiresAt: new Date() } };
  let payload;
  try {
    payload = await options.jwt.definePayload(probe);
  } catch {
    // The user's definePayload may need a real user; ours runs after it, so sid is still added.
    payload = options.jwt.definePayload[WRAPPED] ? { sid: probe.session.id } : undefined;
  }
  if (payload?.sid !== probe.session.id) {
    throw refuse(`the jwt plugin's tokens would not carry the session id (sid). Add it: ${DEFINE_PAYLOAD_LINE}`);
  }
  return options;
}

/** Whether `header` signs "<t>\nGET\n<target>" with `secret`, at a time within 30 s of now. */
function verifySignature(secret, header, target) {
  const match = AUTHORIZATION.exec(header ?? "");
  if (!match) return false;
  const [, t, sig] = match;
  if (Math.abs(nowSeconds() - Number(t)) > REPLAY_WINDOW_SECONDS) return false;
  const expected = createHmac("sha256", secret).update(`${t}\nGET\n${target}`, "utf8").digest();
  return timingSafeEqual(expected, Buffer.from(sig, "hex"));
}

/** `after`, `limit` and `nonce` from the query string, or a message saying what is wrong. */
function parseQuery(search) {
  const params = new URLSearchParams(search);
  const seen = new Map();
  for (const [name, value] of params) {
    if (!QUERY_PARAMETERS.has(name)) return { error: `unknown parameter "${name.slice(0, 40)}"; only after, limit and nonce are read.` };
    if (seen.has(name)) return { error: `${name} may be given once.` };
    seen.set(name, value);
  }
  const after = seen.get("after") ?? "0";
  const limit = seen.get("limit") ?? String(DEFAULT_LIMIT);
  const nonce = seen.get("nonce");
  if (!WHOLE_NUMBER.test(after) || Number(after) > MAX_ID) return { error: `after must be a whole number from 0 to ${MAX_ID}.` };
  if (!WHOLE_NUMBER.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) return { error: `limit must be a whole number from 1 to ${MAX_LIMIT}.` };
  if (nonce === undefined) return { error: "nonce is required: 16 to 64 characters of A-Z a-z 0-9 - _, fresh for each request." };
  if (!NONCE.test(nonce)) return { error: "nonce must be 16 to 64 characters of A-Z a-z 0-9 - _." };
  return { after: Number(after), limit: Number(limit), nonce };
}

/**
 * The outbox over a Better Auth database adapter. Ids are the largest held plus
 * one, taken under a unique index: an id is taken only once every smaller one is
 * written, so a reader that has read id n never misses a smaller id written
 * later (a database sequence would allow that). The newest row is never pruned,
 * so ids never go back; each row copies the newest row's incarnation.
 */
function createOutbox(adapter, tokenLifetime) {
  let lastPrune = -Infinity;
  // Set after a restore: the next event starts a new incarnation instead of copying the newest's.
  let freshIncarnation = null;
  // The memory adapter's transactions are copies merged back on commit, with no unique index to
  // catch two copies taking one id: its events go straight to the live store, in the queue.
  const joinsTransactions = adapter.id !== "memory";

  async function edge(direction, db = adapter) {
    const [row] = await db.findMany({ model: MODEL, sortBy: { field: "position", direction }, limit: 1 });
    return row ?? null;
  }

  async function insert(event, db = adapter) {
    for (let attempt = 1; ; attempt += 1) {
      const newest = await edge("desc", db);
      const position = (newest ? Number(newest.position) : 0) + 1;
      const incarnation = freshIncarnation ?? newest?.incarnation ?? randomId();
      try {
        await db.create({ model: MODEL, data: { ...event, position, incarnation, jti: randomId() } });
        if (incarnation === freshIncarnation) freshIncarnation = null;
        return position;
      } catch (error) {
        // Retried only when another instance took the id; anything else is a real failure.
        const now = await edge("desc", db);
        if (attempt >= WRITE_ATTEMPTS || (now ? Number(now.position) : 0) < position) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_PAUSE_MS * Math.min(attempt, 8)));
      }
    }
  }

  async function prune(newest) {
    lastPrune = Date.now();
    const now = nowSeconds();
    await adapter.deleteMany({
      model: MODEL,
      where: [
        { field: "expiresAt", operator: "lt", value: now },
        { field: "position", operator: "lt", value: newest },
        { field: "type", operator: "ne", value: "user.deleted" },
      ],
    });
    // A deletion is kept much longer than its tokens: an API that was down meanwhile must still
    // learn of it, or the person's data would outlive them there.
    await adapter.deleteMany({
      model: MODEL,
      where: [
        { field: "at", operator: "lt", value: now - DELETION_RETENTION_SECONDS },
        { field: "position", operator: "lt", value: newest },
        { field: "type", operator: "eq", value: "user.deleted" },
      ],
    });
  }

  /**
   * Appends one event; resolves once it is written (and expired rows are gone). Inside a
   * transaction (a password change ending the other sessions), the event is written in it, so
   * the event and the deletion commit together; it skips the queue, which may be waiting for
   * the connection that transaction holds.
   */
  async function record(type, userId, sessionId = null) {
    const at = nowSeconds();
    const expiresAt = at + Math.max(0, tokenLifetime(at)) + EXPIRY_MARGIN_SECONDS;
    const event = { type, userId: String(userId), sessionId: sessionId === null ? null : String(sessionId), at, expiresAt };
    const current = await getCurrentAdapter(adapter);
    if (joinsTransactions && current !== adapter) {
      await insert(event, current);
      return;
    }
    const written = writes.then(async () => prune(await insert(event)));
    writes = written.catch(() => undefined);
    await written;
  }

  /** The page's claims other than ver, iss, aud, iat, exp, nonce. */
  async function read(after, limit) {
    let newest = await edge("desc");
    if (newest && Date.now() - lastPrune >= PRUNE_INTERVAL_MS) {
      await prune(Number(newest.position));
      newest = await edge("desc");
    }
    const rows = await adapter.findMany({
      model: MODEL,
      where: [{ field: "position", operator: "gt", value: after }],
      sortBy: { field: "position", direction: "asc" },
      limit,
    });
    const oldest = await edge("asc");
    const anchor = after === 0 ? null : await adapter.findOne({ model: MODEL, where: [{ field: "position", value: after }] });
    // Rows written after `newest` was read may be on the page: newest covers them.
    const newestId = Math.max(newest ? Number(newest.position) : 0, ...rows.map((row) => Number(row.position)));
    return {
      incarnation: newest?.incarnation ?? rows[0]?.incarnation ?? null,
      anchor: anchor?.jti ?? null,
      events: rows.map((row) => ({
        id: Number(row.position),
        jti: row.jti,
        type: row.type,
        userId: row.userId,
        sessionId: row.sessionId ?? null,
        at: Number(row.at),
        expiresAt: Number(row.expiresAt),
      })),
      oldest: oldest ? Number(oldest.position) : null,
      newest: newestId === 0 ? null : newestId,
    };
  }

  /** The events written from now on belong to a new incarnation: readers read the whole feed again. */
  function startIncarnation() {
    freshIncarnation = randomId();
  }

  return { record, read, startIncarnation };
}

/**
 * The revocation feed plugin. List it in `plugins` beside jwt({...}), in any order.
 *
 * @param {{ secret?: string | null }} [options]
 */
export function revocationFeed(options = {}) {
  const secret = readSecret(options);
  let outbox;
  let jwtOptions;

  const noStore = { "Cache-Control": "no-store" };
  const fail = (status, code, message, headers = {}) => new APIError(status, { code, message }, { ...noStore, ...headers });

  const feed = createAuthEndpoint("/revocations", { method: "GET" }, async (ctx) => {
    ctx.setHeader("Cache-Control", "no-store");
    if (!secret) throw fail("NOT_FOUND", "NOT_FOUND", "The revocation feed is off.");
    const url = ctx.request ? new URL(ctx.request.url) : null;
    if (!url || !verifySignature(secret, ctx.request.headers.get("authorization"), `${url.pathname}?${url.search.slice(1)}`)) {
      throw fail("UNAUTHORIZED", "INVALID_SIGNATURE", "Missing, malformed, wrong or stale Revocation-HMAC signature.", {
        "WWW-Authenticate": "Revocation-HMAC",
      });
    }
    const query = parseQuery(url.search);
    if (query.error) throw fail("BAD_REQUEST", "INVALID_QUERY", query.error);
    const iat = nowSeconds();
    const claims = await outbox.read(query.after, query.limit);
    const page = await signJWT(ctx, {
      options: jwtOptions,
      header: { typ: PAGE_TYPE },
      payload: {
        ver: PROTOCOL_VERSION,
        iat,
        exp: iat + PAGE_LIFETIME_SECONDS,
        nonce: query.nonce,
        after: query.after,
        ...claims,
      },
    });
    return ctx.json({ page });
  });

  const isLive = (session) => new Date(session.expiresAt).getTime() > Date.now();

  /**
   * After Better Auth's database is restored from a backup: ends every session it holds.
   * Sessions that ended after the backup was taken are back in it, and so would be
   * their tokens; which ones they are cannot be told, so all end, each with its event
   * (everyone signs in again), under a new incarnation.
   */
  const endSessionsAfterRestore = createAuthEndpoint.serverOnly({ method: "POST" }, async (ctx) => {
    outbox.startIncarnation();
    let ended = 0;
    for (;;) {
      const sessions = await ctx.context.adapter.findMany({ model: "session", limit: RESTORE_BATCH });
      if (sessions.length === 0) break;
      for (const session of sessions) await ctx.context.internalAdapter.deleteSession(session.token);
      ended += sessions.length;
    }
    return ctx.json({ ended });
  });

  return {
    id: "revocation-feed",
    async init(context) {
      if (context.options.secondaryStorage && !context.options.session?.storeSessionInDatabase) {
        throw refuse(
          "with secondaryStorage, Better Auth ends sessions in that store without running the database hooks this plugin records them with, so sign-outs would never reach the feed. Set session: { storeSessionInDatabase: true }.",
        );
      }
      if (secret && betterAuthSecrets(context).includes(secret)) {
        throw refuse(
          "the feed secret (REVOCATION_FEED_SECRET) must differ from the Better Auth secret: every API that reads the feed holds it, and none may be able to sign sessions.",
        );
      }
      jwtOptions = await addSessionIdToTokens(context);
      const expirationTime = () => jwtOptions.jwt?.expirationTime ?? "15m";
      outbox = createOutbox(context.adapter, (at) => toExpJWT(expirationTime(), at) - at);
      return {
        // The API polls the feed from few addresses, often; each request is signed.
        context: {
          rateLimit: { ...context.rateLimit, customRules: { "/revocations": false, ...context.rateLimit?.customRules } },
        },
        options: {
          databaseHooks: {
            // Before, so a revocation whose event cannot be written does not happen. A session
            // that ended by expiring needs no event: no token outlives it by much. (A before
            // hook that returns false cancels the deletion, so these return nothing.)
            session: {
              delete: {
                before: async (session) => {
                  if (isLive(session)) await outbox.record("session.revoked", session.userId, session.id);
                },
              },
            },
            user: {
              delete: {
                before: async (user) => {
                  await endImpersonationsBy(context, user.id);
                  await outbox.record("user.deleted", user.id);
                },
              },
            },
          },
        },
      };
    },
    endpoints: { revocationFeed: feed, endSessionsAfterRestore },
    hooks: {
      after: [
        {
          matcher: (ctx) => Object.hasOwn(ENDS_IMPERSONATIONS, ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            if (ctx.context.returned instanceof APIError) return;
            const userId = ENDS_IMPERSONATIONS[ctx.path](ctx);
            if (!userId) return;
            await endImpersonationsBy(ctx.context, userId);
            if (Object.hasOwn(USER_WIDE, ctx.path)) await outbox.record("user.revoked", userId);
          }),
        },
      ],
    },
    schema: {
      [MODEL]: {
        fields: {
          position: { type: "number", bigint: true, required: true, unique: true },
          jti: { type: "string", required: true, unique: true },
          incarnation: { type: "string", required: true },
          type: { type: "string", required: true },
          userId: { type: "string", required: true, index: true },
          sessionId: { type: "string", required: false },
          at: { type: "number", bigint: true, required: true },
          expiresAt: { type: "number", bigint: true, required: true, index: true },
        },
      },
    },
  };
}

/**
 * Run once after restoring Better Auth's database from a backup: ends every session in it,
 * with their events, under a new incarnation of the feed. Resolves to how many ended.
 *
 * @param {{ api: { endSessionsAfterRestore: (input?: object) => Promise<{ ended: number }> } }} auth
 */
export async function endSessionsAfterRestore(auth) {
  return auth.api.endSessionsAfterRestore({});
}
