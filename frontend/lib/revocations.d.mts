/** Types for revocations.mjs, which stays plain JavaScript so interop/server.mjs can load it too. */
import type { BetterAuthPlugin, Where } from "better-auth";
import type { APIError, createAuthEndpoint, createAuthMiddleware } from "better-auth/api";

export type RevocationType = "session.revoked" | "user.revoked" | "user.deleted";

export interface RevocationEvent {
  id: number;
  type: RevocationType;
  sessionId: string | null;
  userId: string;
  /** Unix seconds. */
  at: number;
  /** Unix seconds. */
  expiresAt: number;
}

export interface FeedPage {
  events: RevocationEvent[];
  next: number;
  oldest: number | null;
  newest: number | null;
  now: number;
}

export interface OutboxOptions {
  /** The longest lifetime of a JWT, in seconds. */
  tokenLifetimeSeconds: number;
  /** Milliseconds since the epoch; Date.now unless a test moves time. */
  clock?: () => number;
}

/** The part of Better Auth's database adapter the outbox uses (any instance's, whatever its options). */
export interface OutboxStore {
  create(data: { model: string; data: Record<string, unknown> }): Promise<unknown>;
  findMany(data: {
    model: string;
    where?: Where[];
    sortBy?: { field: string; direction: "asc" | "desc" };
    limit?: number;
  }): Promise<Record<string, unknown>[]>;
  deleteMany(data: { model: string; where: Where[] }): Promise<unknown>;
}

export function readFeedSecret(env: Record<string, string | undefined>): string | null;

export function verifyFeedSignature(secret: string, header: string | null | undefined, targets: string[], now: number): boolean;

export function parseFeedQuery(params: URLSearchParams): { after: number; limit: number; error?: undefined } | { error: string };

export function revocationOutbox(
  adapter: OutboxStore,
  options: OutboxOptions,
): {
  record(type: RevocationType, userId: string, sessionId?: string | null): Promise<void>;
  read(after: number, limit: number): Promise<FeedPage>;
};

export function revocations(
  options: OutboxOptions & { secret: string | null },
  helpers: {
    createAuthEndpoint: typeof createAuthEndpoint;
    createAuthMiddleware: typeof createAuthMiddleware;
    APIError: typeof APIError;
  },
): BetterAuthPlugin;
