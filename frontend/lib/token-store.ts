import { readAccessToken, type AccessToken } from "./jwt-claims";

/** Better Auth has no live session for this browser: the person has to sign in again. */
export class SessionEndedError extends Error {
  constructor(message = "The session has ended.") {
    super(message);
    this.name = "SessionEndedError";
  }
}

export type TokenMessage = { type: "token"; value: string } | { type: "cleared" };

/** How tabs of this site tell each other about new or dropped tokens (a BroadcastChannel in browsers). */
export interface TokenChannel {
  publish(message: TokenMessage): void;
  subscribe(listener: (message: TokenMessage) => void): () => void;
}

export interface TokenStoreOptions {
  /** Asks Better Auth for a new JWT; throws `SessionEndedError` when there is no session. */
  fetchToken: () => Promise<string>;
  /** The person the page was rendered for; a token for anyone else ends the session here. */
  expectedSubject?: string;
  now?: () => number;
  /** Runs a refresh while holding a lock shared by all tabs (Web Locks in browsers). */
  withRefreshLock?: <T>(work: () => Promise<T>) => Promise<T>;
  channel?: TokenChannel;
}

export interface TokenStore {
  /** A token that stays valid for a while yet, refreshing first if needed. */
  get(): Promise<AccessToken>;
  /** A token other than `rejected` (one the API refused); concurrent callers share one fetch. */
  refresh(rejected?: string): Promise<AccessToken>;
  /** Forgets the token here and in the other tabs. */
  clear(): void;
  /**
   * Asks Better Auth for no token from now on (a sign-out is under way): `get` and
   * `refresh` wait until `resume`. Resolves once a fetch already in flight has
   * settled, so that it cannot reach Better Auth after the session has ended.
   */
  pause(): Promise<void>;
  /** Lets waiting and later callers fetch again (the sign-out failed). */
  resume(): void;
}

const MAX_REFRESH_MARGIN_MS = 60_000;

/** How long before `exp` a token is replaced: a minute, or a fifth of its life when that is shorter. */
export function refreshMarginMs(token: AccessToken): number {
  return Math.min(MAX_REFRESH_MARGIN_MS, (token.expiresAt - token.issuedAt) / 5);
}

/**
 * Keeps the JWT in memory only (never Web Storage, where any injected script
 * could read it) and renews it shortly before it expires.
 */
export function createTokenStore(options: TokenStoreOptions): TokenStore {
  const now = options.now ?? (() => Date.now());
  const withRefreshLock = options.withRefreshLock ?? ((work) => work());
  let current: AccessToken | null = null;
  let inFlight: Promise<AccessToken> | null = null;
  let paused: { over: Promise<void>; resume: () => void } | null = null;
  const unpaused = () => paused?.over ?? Promise.resolve();

  const isUsable = (token: AccessToken | null, rejected?: string): token is AccessToken =>
    token !== null && token.value !== rejected && token.expiresAt - now() > refreshMarginMs(token);

  options.channel?.subscribe((message) => {
    if (message.type === "cleared") {
      current = null;
      return;
    }
    const offered = tryReadAccessToken(message.value);
    // Only a later token for the same person: another tab may have signed someone else in.
    if (offered && current && offered.subject === current.subject && offered.expiresAt > current.expiresAt) {
      current = offered;
    }
  });

  async function fetchFresh(rejected?: string): Promise<AccessToken> {
    // Another tab may have delivered a token while this one waited for the lock.
    if (isUsable(current, rejected)) return current;
    const token = readAccessToken(await options.fetchToken());
    if (options.expectedSubject !== undefined && token.subject !== options.expectedSubject) {
      throw new SessionEndedError("The session now belongs to someone else.");
    }
    current = token;
    options.channel?.publish({ type: "token", value: token.value });
    return token;
  }

  function refresh(rejected?: string): Promise<AccessToken> {
    if (isUsable(current, rejected)) return Promise.resolve(current);
    if (paused) return unpaused().then(() => refresh(rejected));
    inFlight ??= withRefreshLock(() => fetchFresh(rejected)).finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  return {
    get: () => (isUsable(current) ? Promise.resolve(current) : refresh()),
    refresh,
    clear() {
      current = null;
      options.channel?.publish({ type: "cleared" });
    },
    async pause() {
      if (!paused) {
        let resume = () => {};
        const over = new Promise<void>((resolve) => (resume = resolve));
        paused = { over, resume };
      }
      await inFlight?.catch(() => undefined);
    },
    resume() {
      const gate = paused;
      paused = null;
      gate?.resume();
    },
  };
}

function tryReadAccessToken(value: string): AccessToken | null {
  try {
    return readAccessToken(value);
  } catch {
    return null;
  }
}
