import { createApiClient, type ApiClient } from "./api";
import { authClient } from "./auth-client";
import type { ClientConfig } from "./client-config";
import { createRequestLogger } from "./request-log";
import { signInUrl } from "./safe-next";
import { crossTabChannel, crossTabLock } from "./tab-sync";
import { createTokenStore, SessionEndedError, type TokenStore } from "./token-store";

export interface BrowserSession {
  api: ApiClient;
  tokens: TokenStore;
}

/** Wires the API client to Better Auth, the other tabs and the sign-in redirect for one signed-in page. */
export function createBrowserSession(config: ClientConfig, userId: string): BrowserSession {
  const tokens = createTokenStore({
    fetchToken: fetchTokenFromBetterAuth,
    expectedSubject: userId,
    withRefreshLock: crossTabLock("tasks:jwt-refresh"),
    channel: crossTabChannel("tasks:jwt"),
  });
  const api = createApiClient({
    baseUrl: config.apiBaseUrl,
    tokens,
    onSessionEnded: returnToSignIn,
    log: createRequestLogger(config.apiDebug),
  });
  return { api, tokens };
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

/** Unsaved text is already in sessionStorage drafts, so leaving the page loses nothing. */
function returnToSignIn(): void {
  const here = `${window.location.pathname}${window.location.search}`;
  window.location.assign(signInUrl(here, "expired"));
}
