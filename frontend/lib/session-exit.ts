import { SIGN_IN_REASONS, type SignInReason } from "./safe-next";
import type { TabChannel } from "./tab-sync";

/** One tab telling the others that a person's session is over, and why. */
export interface SessionOver {
  type: "session-over";
  userId: string;
  reason: SignInReason;
}

export interface SessionExitOptions {
  /** The person this page shows; news about anyone else is not this page's business. */
  userId: string;
  channel?: TabChannel<SessionOver>;
  /** Leaves for the sign-in page, which explains `reason`. */
  leave: (reason: SignInReason) => void;
}

export interface SessionExit {
  /** This tab signed out or found the session gone: the other tabs follow, then this one leaves. */
  end(reason: SignInReason): void;
}

/**
 * Makes every open tab of one person leave together: a sign-out or a session
 * found to be over in one tab sends all of them to sign-in with the same message.
 */
export function createSessionExit({ userId, channel, leave }: SessionExitOptions): SessionExit {
  let left = false;
  const leaveOnce = (reason: SignInReason) => {
    if (left) return;
    left = true;
    leave(reason);
  };
  channel?.subscribe((news) => {
    // Another person may have signed in meanwhile in some tab; their page stays.
    if (news.userId === userId) leaveOnce(news.reason);
  });
  return {
    end(reason) {
      if (left) return;
      channel?.publish({ type: "session-over", userId, reason });
      leaveOnce(reason);
    },
  };
}

export function isSessionOver(data: unknown): data is SessionOver {
  if (typeof data !== "object" || data === null) return false;
  const news = data as Partial<Record<keyof SessionOver, unknown>>;
  return (
    news.type === "session-over" &&
    typeof news.userId === "string" &&
    SIGN_IN_REASONS.includes(news.reason as SignInReason)
  );
}
