/** How many requests in how many seconds; Better Auth's own shape for a rate limit rule. */
export interface Rate {
  max: number;
  window: number;
}

/** The sign-in and sign-up limits, each read from the environment variable of the same name. */
export const DEFAULT_RATES = {
  /**
   * Sign-ins per client address that reach the password check: attempts refused by a failure
   * limit below, and those from a browser that signed in to the account before, do not count.
   */
  RATE_LIMIT_SIGN_IN: "120/m",
  /** POST /api/auth/sign-up/*, per client address. */
  RATE_LIMIT_SIGN_UP: "60/10m",
  /** Every other /api/auth path, per client address and path (session, token, JWKS). */
  RATE_LIMIT_AUTH: "100/10s",
  /**
   * Failed sign-ins in a row per account (normalised email) from one client address, or from
   * one browser that signed in to the account before (its device cookie).
   */
  RATE_LIMIT_FAILED_SIGN_IN: "5/15m",
  /** Failed sign-ins per account from every address together, the account's own browsers aside. */
  RATE_LIMIT_FAILED_SIGN_IN_ACCOUNT: "50/h",
  /** Failed sign-ins per client address over every account together. */
  RATE_LIMIT_FAILED_SIGN_IN_ADDRESS: "100/15m",
} as const;

export type RateName = keyof typeof DEFAULT_RATES;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** "count/period", the API's format: 10/m, 5/15m, 100/10s (period: s, m, h or d, optionally multiplied). */
export function parseRate(name: string, value: string): Rate {
  const match = /^(\d+)\/(\d*)([smhd])$/.exec(value.trim());
  const max = Number(match?.[1]);
  const window = Number(match?.[2] || 1) * UNIT_SECONDS[(match?.[3] ?? "s") as keyof typeof UNIT_SECONDS];
  if (!match || max < 1 || window < 1) {
    throw new Error(`${name} must look like 10/m or 5/15m (count/period: s, m, h or d); got "${value}".`);
  }
  return { max, window };
}

/** Every limit, read once when Better Auth is built; an unset or empty variable takes its default. */
export function readRates(env: NodeJS.ProcessEnv): Record<RateName, Rate> {
  const entries = Object.entries(DEFAULT_RATES).map(([name, fallback]) => [
    name,
    parseRate(name, env[name]?.trim() || fallback),
  ]);
  return Object.fromEntries(entries) as Record<RateName, Rate>;
}
