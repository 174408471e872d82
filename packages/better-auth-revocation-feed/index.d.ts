import type { BetterAuthPlugin } from "better-auth";

export interface RevocationFeedOptions {
  /**
   * The feed secret: a random string of at least 32 characters, shared with every API that
   * reads the feed and used for nothing else. When the option is absent,
   * `process.env.REVOCATION_FEED_SECRET` is read. Unset, `null` or `""` turns the feed off
   * (it answers 404); events are still recorded.
   */
  secret?: string | null;
}

/** The event types of protocol version 1. */
export type RevocationEventType = "session.revoked" | "user.revoked" | "user.deleted";

/** One event in a page (PROTOCOL.md, section 3). */
export interface RevocationEvent {
  id: number;
  jti: string;
  type: RevocationEventType;
  userId: string;
  sessionId: string | null;
  at: number;
  expiresAt: number;
}

/** The payload of a signed page (typ "revocation-feed+jwt"). */
export interface RevocationFeedPage {
  ver: 1;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  nonce: string;
  after: number;
  incarnation: string | null;
  anchor: string | null;
  events: RevocationEvent[];
  oldest: number | null;
  newest: number | null;
}

/** How long a user.deleted event is held: 30 days, in seconds. */
export declare const DELETION_RETENTION_SECONDS: number;
/** The shortest feed secret accepted. */
export declare const MIN_SECRET_LENGTH: number;

/**
 * The revocation feed: records ended sessions and revoked or deleted users in the
 * `revocationEvent` table, adds `sid` to the jwt plugin's tokens, and serves
 * GET <basePath>/revocations as pages signed with the jwt plugin's key.
 * List it beside `jwt({...})`, in any order.
 */
export declare function revocationFeed(options?: RevocationFeedOptions): BetterAuthPlugin & { id: "revocation-feed" };

/**
 * Run once after restoring Better Auth's database from a backup: sessions that ended
 * after the backup was taken are back in it, so every session it holds is ended, each
 * with its event (everyone signs in again), under a new incarnation of the feed.
 */
export declare function endSessionsAfterRestore(auth: { api: object }): Promise<{ ended: number }>;
