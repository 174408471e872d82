/** What the browser needs to reach the task API. */
export interface ClientConfig {
  apiBaseUrl: string;
  apiDebug: boolean;
}

export const DEFAULT_API_BASE_URL = "http://127.0.0.1:8000";

/**
 * Reads the browser's configuration on the server at request time.
 *
 * `process.env.NEXT_PUBLIC_*` written out literally would be frozen into the
 * bundle by `next build`; reading through `env` keeps one build usable against
 * any API address (the end-to-end tests start the API on a free port).
 */
export function readClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  return {
    apiBaseUrl: env.NEXT_PUBLIC_API_BASE_URL || DEFAULT_API_BASE_URL,
    apiDebug: env.NEXT_PUBLIC_API_DEBUG === "1",
  };
}
