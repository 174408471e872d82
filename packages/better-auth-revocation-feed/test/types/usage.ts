// Compiled by `npm run typecheck`, never run: the package's types as a user meets them.
import { betterAuth } from "better-auth";
import { jwt } from "better-auth/plugins";
import { type RevocationEvent, type RevocationFeedPage, revocationFeed } from "better-auth-revocation-feed";

export const auth = betterAuth({
  plugins: [jwt({}), revocationFeed()],
});

export const configured = betterAuth({
  plugins: [jwt({ jwt: { expirationTime: "5m" } }), revocationFeed({ secret: process.env.FEED_SECRET ?? null })],
});

export function sessionsEnded(page: RevocationFeedPage): string[] {
  return page.events.filter((event: RevocationEvent) => event.type === "session.revoked").map((event) => event.sessionId ?? "");
}

// @ts-expect-error: the secret is a string
revocationFeed({ secret: 42 });
// @ts-expect-error: no other options
revocationFeed({ tokenLifetimeSeconds: 900 });
