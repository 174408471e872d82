import type { BetterAuthPlugin, DBAdapter } from "better-auth";
import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";
import type { Rate } from "./auth-limits";

const MODEL = "signInFailure";
const SIGN_IN_PATH = "/sign-in/email";

interface FailureRow {
  email: string;
  count: number | string;
  windowStart: number | string;
}

/** The account an attempt is counted against: Better Auth looks users up by lower-cased email. */
export function normaliseEmail(email: unknown): string | null {
  return typeof email === "string" && email.trim() ? email.trim().toLowerCase() : null;
}

/**
 * Failed sign-ins per account, kept in the database so every instance of the
 * app counts the same attempts. Each attempt takes a slot before the password
 * is checked, so concurrent guesses cannot all slip under the limit; a failure
 * keeps its slot, anything else gives it back, and a success clears the count
 * (the limit is on consecutive failures, NIST SP 800-63B §5.2.2).
 */
export function failedSignInStore(db: DBAdapter, rate: Rate, clock: () => number = Date.now) {
  const windowMs = rate.window * 1000;

  async function read(email: string) {
    const row = await db.findOne<FailureRow>({ model: MODEL, where: [{ field: "email", value: email }] });
    return row && { count: Number(row.count), windowStart: Number(row.windowStart) };
  }

  /** Takes a slot; `null` when allowed, else the seconds until the account may be tried again. */
  async function reserve(email: string, tries = 0): Promise<number | null> {
    // Each retry follows a write by another request; past a few, refuse rather than loop (fail closed).
    if (tries > 3) return rate.window;
    const now = clock();
    const row = await read(email);
    if (!row) {
      try {
        await db.create({ model: MODEL, data: { email, count: 1, windowStart: now } });
      } catch (error) {
        if (!(await read(email))) throw error;
        return reserve(email, tries + 1); // another instance created it first
      }
      await db.deleteMany({ model: MODEL, where: [{ field: "windowStart", operator: "lt", value: now - windowMs }] });
      return null;
    }
    if (now - row.windowStart >= windowMs) {
      const restarted = await db.incrementOne({
        model: MODEL,
        where: [
          { field: "email", value: email },
          { field: "windowStart", value: row.windowStart },
        ],
        increment: {},
        set: { count: 1, windowStart: now },
      });
      return restarted ? null : reserve(email, tries + 1);
    }
    const taken = await db.incrementOne({
      model: MODEL,
      where: [
        { field: "email", value: email },
        { field: "windowStart", value: row.windowStart },
        { field: "count", operator: "lt", value: rate.max },
      ],
      increment: { count: 1 },
    });
    if (taken) return null;
    const current = await read(email);
    if (!current || current.windowStart !== row.windowStart) return reserve(email, tries + 1);
    return Math.max(1, Math.ceil((row.windowStart + windowMs - now) / 1000));
  }

  /** Gives back a slot taken for an attempt that was not a wrong password (a bad request, an outage). */
  async function release(email: string): Promise<void> {
    await db.incrementOne({
      model: MODEL,
      where: [
        { field: "email", value: email },
        { field: "count", operator: "gt", value: 0 },
      ],
      increment: { count: -1 },
    });
  }

  async function clear(email: string): Promise<void> {
    await db.deleteMany({ model: MODEL, where: [{ field: "email", value: email }] });
  }

  return { reserve, release, clear };
}

/** A sign-in to an account past its failure limit gets 429 with Retry-After, even with the right password. */
export function failedSignInLimit(rate: Rate): BetterAuthPlugin {
  const isSignIn = (ctx: { path?: string }) => ctx.path === SIGN_IN_PATH;
  return {
    id: "failed-sign-in-limit",
    schema: {
      [MODEL]: {
        fields: {
          email: { type: "string", required: true, unique: true },
          count: { type: "number", required: true },
          windowStart: { type: "number", bigint: true, required: true, index: true },
        },
      },
    },
    hooks: {
      before: [
        {
          matcher: isSignIn,
          handler: createAuthMiddleware(async (ctx) => {
            const email = normaliseEmail(ctx.body?.email);
            if (!email) return; // Better Auth refuses the request itself (400)
            const retryAfter = await failedSignInStore(ctx.context.adapter, rate).reserve(email);
            if (retryAfter === null) return;
            const seconds = String(retryAfter);
            throw new APIError(
              "TOO_MANY_REQUESTS",
              { code: "TOO_MANY_FAILED_SIGN_INS", message: "Too many failed sign-ins for this account." },
              // RFC 9110 §10.2.3; X-Retry-After is the header Better Auth's own limiter sends.
              { "Retry-After": seconds, "X-Retry-After": seconds },
            );
          }),
        },
      ],
      after: [
        {
          matcher: isSignIn,
          handler: createAuthMiddleware(async (ctx) => {
            const email = normaliseEmail(ctx.body?.email);
            if (!email) return;
            const store = failedSignInStore(ctx.context.adapter, rate);
            const returned = ctx.context.returned;
            if (!isAPIError(returned)) await store.clear(email);
            else if (returned.statusCode !== 401) await store.release(email);
          }),
        },
      ],
    },
  };
}
