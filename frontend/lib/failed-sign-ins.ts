import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { BetterAuthPlugin, DBAdapter, GenericEndpointContext } from "better-auth";
import { APIError, createAuthMiddleware, getIP, isAPIError } from "better-auth/api";
import type { Rate } from "./auth-limits";

const MODEL = "signInCounter";
const SIGN_IN_PATH = "/sign-in/email";
const SIGN_UP_PATH = "/sign-up/email";

/** The sign-in limits this plugin enforces (lib/auth-limits.ts names their variables). */
export interface SignInLimits {
  /** Sign-ins per address that reach the password check (RATE_LIMIT_SIGN_IN). */
  perAddress: Rate;
  /** Failed sign-ins per account from one address, or from one of the account's own browsers (RATE_LIMIT_FAILED_SIGN_IN). */
  failedPerAccountAndAddress: Rate;
  /** Failed sign-ins per account from every address together, the account's own browsers aside (RATE_LIMIT_FAILED_SIGN_IN_ACCOUNT). */
  failedPerAccount: Rate;
  /** Failed sign-ins per address over every account together (RATE_LIMIT_FAILED_SIGN_IN_ADDRESS). */
  failedPerAddress: Rate;
}

interface CounterRow {
  key: string;
  count: number | string;
  windowStart: number | string;
}

/** The account an attempt is counted against: Better Auth looks users up by lower-cased email. */
export function normaliseEmail(email: unknown): string | null {
  return typeof email === "string" && email.trim() ? email.trim().toLowerCase() : null;
}

/**
 * Counters in fixed windows, kept in the database so every instance of the app
 * counts the same attempts. An attempt takes a slot before the password is
 * checked, so concurrent guesses cannot all slip under a limit; the caller
 * then keeps the slot (a failure), gives it back or clears the count.
 */
export function counterStore(db: DBAdapter, clock: () => number = Date.now) {
  async function read(key: string) {
    const row = await db.findOne<CounterRow>({ model: MODEL, where: [{ field: "key", value: key }] });
    return row && { count: Number(row.count), windowStart: Number(row.windowStart) };
  }

  /** Takes a slot; `null` when allowed, else the seconds until `key` may be tried again. */
  async function reserve(key: string, rate: Rate, tries = 0): Promise<number | null> {
    const windowMs = rate.window * 1000;
    // Each retry follows a write by another request; past a few, refuse rather than loop (fail closed).
    if (tries > 3) return rate.window;
    const now = clock();
    const row = await read(key);
    if (!row) {
      try {
        await db.create({ model: MODEL, data: { key, count: 1, windowStart: now } });
      } catch (error) {
        if (!(await read(key))) throw error;
        return reserve(key, rate, tries + 1); // another instance created it first
      }
      // Housekeeping: no window here is longer than a day.
      await db.deleteMany({ model: MODEL, where: [{ field: "windowStart", operator: "lt", value: now - 86_400_000 }] });
      return null;
    }
    if (now - row.windowStart >= windowMs) {
      const restarted = await db.incrementOne({
        model: MODEL,
        where: [
          { field: "key", value: key },
          { field: "windowStart", value: row.windowStart },
        ],
        increment: {},
        set: { count: 1, windowStart: now },
      });
      return restarted ? null : reserve(key, rate, tries + 1);
    }
    const taken = await db.incrementOne({
      model: MODEL,
      where: [
        { field: "key", value: key },
        { field: "windowStart", value: row.windowStart },
        { field: "count", operator: "lt", value: rate.max },
      ],
      increment: { count: 1 },
    });
    if (taken) return null;
    const current = await read(key);
    if (!current || current.windowStart !== row.windowStart) return reserve(key, rate, tries + 1);
    return Math.max(1, Math.ceil((row.windowStart + windowMs - now) / 1000));
  }

  /** Gives back a slot taken for an attempt that was not a wrong password (a success, a bad request, an outage). */
  async function release(key: string): Promise<void> {
    await db.incrementOne({
      model: MODEL,
      where: [
        { field: "key", value: key },
        { field: "count", operator: "gt", value: 0 },
      ],
      increment: { count: -1 },
    });
  }

  async function clear(key: string): Promise<void> {
    await db.deleteMany({ model: MODEL, where: [{ field: "key", value: key }] });
  }

  return { reserve, release, clear };
}

// ---------------------------------------------------------------------------------------------
// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser that
// signed in to an account before carries a signed entry for it, and is counted on its own rather
// than with the address it comes from or the account's other attempts.

/** Better Auth's cookie name for it, with its prefixes: `better-auth.device` (`__Secure-` over HTTPS). */
const DEVICE_COOKIE = "device";
const DEVICE_COOKIE_DAYS = 180;
/** Accounts one browser is remembered for; a shared computer's people each keep theirs. */
const DEVICE_ENTRIES = 5;
const ENTRY = /^([A-Za-z0-9_-]{22})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{43})$/;

interface DeviceEntry {
  nonce: string;
  issued: number;
  raw: string;
}

function deviceKey(secret: string): Buffer {
  return createHmac("sha256", secret).update("sign-in device cookie, version 1").digest();
}

function entryTag(key: Buffer, nonce: string, issued: string, email: string): string {
  return createHmac("sha256", key).update(`${nonce}\n${issued}\n${email}`).digest("base64url");
}

function parseEntries(value: string | null | undefined): DeviceEntry[] {
  return (value ?? "")
    .split("~")
    .slice(0, DEVICE_ENTRIES)
    .flatMap((raw) => {
      const match = ENTRY.exec(raw);
      return match ? [{ nonce: match[1]!, issued: Number.parseInt(match[2]!, 36), raw }] : [];
    });
}

/** The entry of `value` that this server signed for `email` within the cookie's lifetime, if any. */
export function deviceEntryFor(value: string | null | undefined, email: string, secret: string, now = Date.now()): DeviceEntry | null {
  const key = deviceKey(secret);
  for (const entry of parseEntries(value)) {
    const [, nonce = "", issued = "", tag = ""] = ENTRY.exec(entry.raw) ?? [];
    const expected = Buffer.from(entryTag(key, nonce, issued, email));
    const fresh = now - entry.issued * 1000 < DEVICE_COOKIE_DAYS * 86_400_000 && entry.issued * 1000 <= now + 60_000;
    // Both are 43 characters: ENTRY says so of the tag, and a SHA-256 in base64url is that long.
    if (fresh && timingSafeEqual(expected, Buffer.from(tag))) return entry;
  }
  return null;
}

/** The cookie's new value: a fresh entry for `email` first (keeping its device's nonce), then the others as they were. */
export function deviceCookieValue(value: string | null | undefined, email: string, secret: string, now = Date.now()): string {
  const own = deviceEntryFor(value, email, secret, now);
  const nonce = own?.nonce ?? randomBytes(16).toString("base64url");
  const issued = Math.floor(now / 1000).toString(36);
  const entry = `${nonce}.${issued}.${entryTag(deviceKey(secret), nonce, issued, email)}`;
  const others = parseEntries(value).filter((other) => other.raw !== own?.raw);
  return [entry, ...others.map((other) => other.raw)].slice(0, DEVICE_ENTRIES).join("~");
}

// ---------------------------------------------------------------------------------------------

/** A counter's key: its kind and a digest of what it counts, so the table holds no emails or addresses. */
const counterKey = (kind: string, ...parts: string[]) =>
  `${kind}:${createHash("sha256").update(parts.join("\n")).digest("base64url").slice(0, 32)}`;

interface Check {
  key: string;
  rate: Rate;
  /** Kept whatever the outcome (a rate of attempts), or given back unless the password was wrong. */
  kind: "attempts" | "failures" | "in-a-row";
  code: string;
  message: string;
}

/**
 * Which counters an attempt at `email` takes a slot in. From a browser with a device cookie for
 * the account: its own failures in a row only. From anywhere else: failures in a row for the
 * account from this address, failures for the account from every such address, failures from
 * this address over every account, and the address's sign-ins that reach the password check.
 */
function checksFor(ctx: GenericEndpointContext, email: string, limits: SignInLimits): Check[] {
  const tooManyFailures = { code: "TOO_MANY_FAILED_SIGN_INS", message: "Too many failed sign-ins for this account." };
  const cookie = ctx.context.createAuthCookie(DEVICE_COOKIE);
  const device = deviceEntryFor(ctx.getCookie(cookie.name), email, ctx.context.secret);
  if (device) {
    return [{ key: counterKey("device", device.nonce), rate: limits.failedPerAccountAndAddress, kind: "in-a-row", ...tooManyFailures }];
  }
  const headers = ctx.request ?? ctx.headers;
  // No address (a request without a connection behind it): one shared bucket, as Better Auth's own limiter does.
  const address = (headers && getIP(headers, ctx.context.options)) || "unknown";
  return [
    { key: counterKey("pair", address, email), rate: limits.failedPerAccountAndAddress, kind: "in-a-row", ...tooManyFailures },
    { key: counterKey("account", email), rate: limits.failedPerAccount, kind: "failures", ...tooManyFailures },
    {
      key: counterKey("address", address),
      rate: limits.failedPerAddress,
      kind: "failures",
      code: "TOO_MANY_FAILED_SIGN_INS",
      message: "Too many failed sign-ins from this address.",
    },
    {
      key: counterKey("attempts", address),
      rate: limits.perAddress,
      kind: "attempts",
      code: "TOO_MANY_SIGN_INS",
      message: "Too many sign-ins from this address.",
    },
  ];
}

/**
 * Sign-in limits that no one can use to keep someone else out: failed sign-ins are counted per
 * account *and* address (five, then that address waits), with a ceiling per account over every
 * address and one per address over every account, and the account's own browsers (device
 * cookies) counted apart from all of them. Past a limit: 429 with Retry-After, the right password
 * too, for that address or browser only, or for browsers new to the account past its ceiling.
 */
export function failedSignInLimit(limits: SignInLimits): BetterAuthPlugin {
  const isSignIn = (ctx: { path?: string }) => ctx.path === SIGN_IN_PATH;
  const isSignUp = (ctx: { path?: string }) => ctx.path === SIGN_UP_PATH;

  function rememberDevice(ctx: GenericEndpointContext, email: string) {
    const cookie = ctx.context.createAuthCookie(DEVICE_COOKIE, { maxAge: DEVICE_COOKIE_DAYS * 86_400 });
    ctx.setCookie(cookie.name, deviceCookieValue(ctx.getCookie(cookie.name), email, ctx.context.secret), cookie.attributes);
  }

  return {
    id: "failed-sign-in-limit",
    schema: {
      [MODEL]: {
        fields: {
          key: { type: "string", required: true, unique: true },
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
            const store = counterStore(ctx.context.adapter);
            const taken: Check[] = [];
            for (const check of checksFor(ctx, email, limits)) {
              const retryAfter = await store.reserve(check.key, check.rate);
              if (retryAfter === null) {
                taken.push(check);
                continue;
              }
              // Refused: the slots taken so far were for an attempt that never happens.
              await Promise.all(taken.map((slot) => store.release(slot.key)));
              const seconds = String(retryAfter);
              throw new APIError(
                "TOO_MANY_REQUESTS",
                { code: check.code, message: check.message },
                // RFC 9110 §10.2.3; X-Retry-After is the header Better Auth's own limiter sends.
                { "Retry-After": seconds, "X-Retry-After": seconds },
              );
            }
          }),
        },
      ],
      after: [
        {
          matcher: isSignIn,
          handler: createAuthMiddleware(async (ctx) => {
            const email = normaliseEmail(ctx.body?.email);
            if (!email) return;
            const store = counterStore(ctx.context.adapter);
            const returned = ctx.context.returned;
            const failed = isAPIError(returned) && returned.statusCode === 401;
            if (failed) return; // a wrong password keeps every slot it took
            const succeeded = !isAPIError(returned);
            for (const check of checksFor(ctx, email, limits)) {
              if (check.kind === "attempts") continue;
              if (check.kind === "in-a-row" && succeeded) await store.clear(check.key);
              else await store.release(check.key);
            }
            if (succeeded) rememberDevice(ctx, email);
          }),
        },
        {
          // Whoever just made the account, with its password, in this browser.
          matcher: isSignUp,
          handler: createAuthMiddleware(async (ctx) => {
            const signedIn = ctx.context.newSession?.user.email;
            if (!isAPIError(ctx.context.returned) && signedIn) rememberDevice(ctx, signedIn.toLowerCase());
          }),
        },
      ],
    },
  };
}
