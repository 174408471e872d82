import { createApiClient, type ApiClient } from "./api";
import { authClient } from "./auth-client";
import type { ClientConfig } from "./client-config";
import { removeDraftsOf } from "./drafts";
import { createRequestLogger } from "./request-log";
import { signInUrl, type SignInReason } from "./safe-next";
import { createSessionExit, isSessionOver, type SessionExit } from "./session-exit";
import { crossTabChannel, crossTabLock, isTokenMessage } from "./tab-sync";
import { createTokenStore, SessionEndedError, type TokenStore } from "./token-store";

export interface BrowserSession {
  api: ApiClient;
  tokens: TokenStore;
  /** Sends this tab and every other tab of the person to sign-in. */
  exit: SessionExit;
  /** Ends the session in Better Auth, then leaves with every tab; false (and the page stays) when it could not. */
  signOut(): Promise<boolean>;
}

/** Wires the API client to Better Auth, the other tabs and the sign-in redirect for one signed-in page. */
export function createBrowserSession(config: ClientConfig, userId: string): BrowserSession {
  const tokens = createTokenStore({
    fetchToken: fetchTokenFromBetterAuth,
    expectedSubject: userId,
    withRefreshLock: crossTabLock("tasks:jwt-refresh"),
    channel: crossTabChannel("tasks:jwt", isTokenMessage),
  });
  const exit = createSessionExit({
    userId,
    channel: crossTabChannel("tasks:session", isSessionOver),
    leave: (reason) => returnToSignIn(userId, tokens, reason),
  });
  const api = createApiClient({
    baseUrl: config.apiBaseUrl,
    tokens,
    onSessionEnded: () => exit.end("expired"),
    log: createRequestLogger(config.apiDebug),
  });
  async function signOut(): Promise<boolean> {
    // A token request racing the sign-out would reach Better Auth after it and be refused:
    // the page would then leave as "expired" rather than "signed out".
    await tokens.pause();
    const ended = await authClient
      .signOut()
      .then(({ error }) => error === null)
      .catch(() => false);
    if (!ended) {
      tokens.resume();
      return false;
    }
    // Every other tab of this person leaves too, with the same message.
    exit.end("signed-out");
    return true;
  }
  return { api, tokens, exit, signOut };
}

/** `GET /api/auth/token` with the session cookie; a 401 there means the session is over. */
async function fetchTokenFromBetterAuth(): Promise<string> {
  const { data, error } = await authClient.token();
  if (error) {
    if (error.status === 401) throw new SessionEndedError();
    throw new Error(`Better Auth could not issue a token (HTTP ${error.status}).`);
  }
  return data.token;
}

/**
 * After an expiry, unsaved text stays in sessionStorage drafts for after the
 * next sign-in; after a sign-out it is forgotten, as on a shared computer.
 */
function returnToSignIn(userId: string, tokens: TokenStore, reason: SignInReason): void {
  tokens.clear();
  if (reason === "signed-out") removeDraftsOf(userId);
  const here = `${window.location.pathname}${window.location.search}`;
  window.location.assign(signInUrl(here, reason));
}
