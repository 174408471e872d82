/**
 * The revocation feed: an outbox of ended sessions and revoked or deleted users
 * in Better Auth's own database, read by the API at GET /api/auth/revocations.
 *
 * Plain JavaScript that imports nothing but node:crypto, so the web app and the
 * API's test server (interop/server.mjs) load this one file, each handing in the
 * helpers of its own copy of better-auth.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const MODEL = "revocationEvent";
const MIN_SECRET_LENGTH = 32;
const MAX_CLOCK_SKEW_SECONDS = 30;
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 1000;
// A row outlives every token it refuses by this much, for clocks that disagree a little.
const EXPIRY_MARGIN_SECONDS = 60;
// A user.deleted event is kept this long (30 days), whatever its tokens' lifetime.
export const DELETION_RETENTION_SECONDS = 30 * 24 * 3600;
// Feed reads prune at most this often; writes prune every time.
const PRUNE_INTERVAL_MS = 60_000;
// Other instances may take the next id first; past this many in a row, give up (and fail the revocation).
const WRITE_ATTEMPTS = 8;
const SIGNATURE = /^Revocation-HMAC\s+t=(\d{1,12})\s*,\s*sig=([0-9a-f]{64})$/;
const WHOLE_NUMBER = /^\d{1,15}$/;

// Actions that revoke every token of a user; the user whose tokens they are.
const USER_WIDE = {
  "/revoke-sessions": (ctx) => ctx.context.session?.user?.id,
  "/admin/revoke-user-sessions": (ctx) => ctx.body?.userId,
  "/admin/ban-user": (ctx) => ctx.body?.userId,
  "/admin/update-user": (ctx) => (ctx.body?.data?.banned === true ? ctx.body.userId : undefined),
};

/**
 * REVOCATION_FEED_SECRET, or null when unset (the feed answers 404). Refuses a
 * short secret, and BETTER_AUTH_SECRET itself: the API holds the feed secret and
 * must never hold the one that signs sessions and encrypts the JWT keys.
 */
export function readFeedSecret(env) {
  const secret = env.REVOCATION_FEED_SECRET;
  if (!secret) return null;
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`REVOCATION_FEED_SECRET must be at least ${MIN_SECRET_LENGTH} characters (or unset to turn the revocation feed off).`);
  }
  if (secret === env.BETTER_AUTH_SECRET) {
    throw new Error("REVOCATION_FEED_SECRET must differ from BETTER_AUTH_SECRET: the API is given the feed secret, never the one that signs sessions.");
  }
  return secret;
}

/** Whether `header` signs "<t>\nGET\n<target>" with `secret`, at a time within 30 s of `now` (seconds). */
export function verifyFeedSignature(secret, header, targets, now) {
  const match = SIGNATURE.exec(header ?? "");
  if (!match) return false;
  const [, t, sig] = match;
  if (Math.abs(now - Number(t)) > MAX_CLOCK_SKEW_SECONDS) return false;
  const given = Buffer.from(sig, "hex");
  return targets.some((target) => {
    const expected = createHmac("sha256", secret).update(`${t}\nGET\n${target}`).digest();
    return timingSafeEqual(expected, given);
  });
}

/** `after` and `limit` from the query, or a message saying what is wrong with them. */
export function parseFeedQuery(params) {
  const read = (name, fallback) => {
    const values = params.getAll(name);
    if (values.length > 1) return { error: `${name} may be given once.` };
    return { value: values.length ? values[0] : fallback };
  };
  const after = read("after", "0");
  const limit = read("limit", String(DEFAULT_LIMIT));
  const problem = after.error ?? limit.error;
  if (problem) return { error: problem };
  if (!WHOLE_NUMBER.test(after.value)) return { error: "after must be a whole number, 0 or more." };
  const count = WHOLE_NUMBER.test(limit.value) ? Number(limit.value) : 0;
  if (count < 1 || count > MAX_LIMIT) return { error: `limit must be a whole number from 1 to ${MAX_LIMIT}.` };
  return { after: Number(after.value), limit: count };
}

/**
 * The outbox over a Better Auth database adapter. Ids are the table's largest
 * plus one, taken under a unique index: an id is only ever taken once every
 * smaller one is written, so a reader that has seen id n never misses a smaller
 * id written later (a database sequence would allow that). The newest row is
 * never pruned, so ids never go back.
 */
export function revocationOutbox(adapter, { tokenLifetimeSeconds, clock = Date.now }) {
  const lifetime = Math.max(0, tokenLifetimeSeconds) + EXPIRY_MARGIN_SECONDS;
  const seconds = () => Math.floor(clock() / 1000);
  let lastPrune = -Infinity;
  // This process's writes, one after another, so they never race each other for an id.
  let queue = Promise.resolve();

  async function edge(direction) {
    const [row] = await adapter.findMany({ model: MODEL, sortBy: { field: "position", direction }, limit: 1 });
    return row ? Number(row.position) : null;
  }

  async function insert(event) {
    for (let attempt = 1; ; attempt += 1) {
      const position = ((await edge("desc")) ?? 0) + 1;
      try {
        await adapter.create({ model: MODEL, data: { ...event, position } });
        return position;
      } catch (error) {
        // Retried only when another instance took the id; anything else is a real failure.
        if (attempt >= WRITE_ATTEMPTS || ((await edge("desc")) ?? 0) < position) throw error;
      }
    }
  }

  async function prune(newest) {
    lastPrune = clock();
    await adapter.deleteMany({
      model: MODEL,
      where: [
        { field: "expiresAt", operator: "lt", value: seconds() },
        { field: "position", operator: "lt", value: newest },
        { field: "type", operator: "ne", value: "user.deleted" },
      ],
    });
    // A deletion is kept much longer than its tokens: an API that was down meanwhile must still
    // learn of it, or the person's data would outlive them there.
    await adapter.deleteMany({
      model: MODEL,
      where: [
        { field: "at", operator: "lt", value: seconds() - DELETION_RETENTION_SECONDS },
        { field: "position", operator: "lt", value: newest },
        { field: "type", operator: "eq", value: "user.deleted" },
      ],
    });
  }

  /** Appends one event; resolves once it is written (and expired rows are gone). */
  function record(type, userId, sessionId = null) {
    const at = seconds();
    const event = { type, userId: String(userId), sessionId, at, expiresAt: at + lifetime };
    const written = queue.then(async () => prune(await insert(event)));
    queue = written.catch(() => undefined);
    return written;
  }

  /** Up to `limit` events after id `after`, oldest first, as the feed answers them. */
  async function read(after, limit) {
    if (clock() - lastPrune >= PRUNE_INTERVAL_MS) {
      const newest = await edge("desc");
      if (newest !== null) await prune(newest);
    }
    const rows = await adapter.findMany({
      model: MODEL,
      where: [{ field: "position", operator: "gt", value: after }],
      sortBy: { field: "position", direction: "asc" },
      limit,
    });
    const events = rows.map((row) => ({
      id: Number(row.position),
      type: row.type,
      sessionId: row.sessionId ?? null,
      userId: row.userId,
      at: Number(row.at),
      expiresAt: Number(row.expiresAt),
    }));
    return {
      events,
      next: events.at(-1)?.id ?? after,
      oldest: await edge("asc"),
      newest: await edge("desc"),
      now: seconds(),
    };
  }

  return { record, read };
}

/**
 * The Better Auth plugin: writes an event before a live session is deleted
 * (sign-out, revoking one or more sessions, a ban, a deletion), before a user
 * is deleted, and after a ban or a "revoke all sessions" succeeds; serves the
 * feed. `helpers` are createAuthEndpoint, createAuthMiddleware and APIError
 * from the caller's better-auth/api.
 */
export function revocations({ secret, tokenLifetimeSeconds, clock = Date.now }, helpers) {
  const { createAuthEndpoint, createAuthMiddleware, APIError } = helpers;
  let outbox;

  const feed = createAuthEndpoint("/revocations", { method: "GET" }, async (ctx) => {
    ctx.setHeader("Cache-Control", "no-store");
    if (!secret) throw new APIError("NOT_FOUND", { code: "NOT_FOUND", message: "The revocation feed is off." });
    const url = new URL(ctx.request?.url ?? "http://invalid/");
    const query = url.search.slice(1);
    // "<path>?<query>" as the protocol says; with no query, the bare path is also accepted.
    const targets = query ? [`${url.pathname}?${query}`] : [`${url.pathname}?`, url.pathname];
    const now = Math.floor(clock() / 1000);
    if (!ctx.request || !verifyFeedSignature(secret, ctx.request.headers.get("authorization"), targets, now)) {
      throw new APIError(
        "UNAUTHORIZED",
        { code: "INVALID_SIGNATURE", message: "Missing, wrong or stale Revocation-HMAC signature." },
        { "WWW-Authenticate": "Revocation-HMAC", "Cache-Control": "no-store" },
      );
    }
    const parsed = parseFeedQuery(url.searchParams);
    if (parsed.error) {
      throw new APIError("BAD_REQUEST", { code: "INVALID_QUERY", message: parsed.error }, { "Cache-Control": "no-store" });
    }
    return ctx.json(await outbox.read(parsed.after, parsed.limit));
  });

  const isLive = (session) => new Date(session.expiresAt).getTime() > clock();

  return {
    id: "revocations",
    init(context) {
      outbox = revocationOutbox(context.adapter, { tokenLifetimeSeconds, clock });
      return {
        options: {
          databaseHooks: {
            // Before, so a revocation whose event cannot be written does not happen. A session
            // deleted because it expired needs no event: no token outlives it by much.
            // (A before hook that returns false cancels the deletion, so these return nothing.)
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
                  await outbox.record("user.deleted", user.id);
                },
              },
            },
          },
        },
      };
    },
    endpoints: { revocationFeed: feed },
    hooks: {
      after: [
        {
          matcher: (ctx) => Object.hasOwn(USER_WIDE, ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            if (ctx.context.returned instanceof APIError) return;
            const userId = USER_WIDE[ctx.path](ctx);
            if (userId) await outbox.record("user.revoked", userId);
          }),
        },
      ],
    },
    schema: {
      [MODEL]: {
        fields: {
          position: { type: "number", bigint: true, required: true, unique: true },
          type: { type: "string", required: true },
          sessionId: { type: "string", required: false },
          userId: { type: "string", required: true, index: true },
          at: { type: "number", bigint: true, required: true },
          expiresAt: { type: "number", bigint: true, required: true, index: true },
        },
      },
    },
  };
}
