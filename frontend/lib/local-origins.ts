const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

/**
 * The other loopback spellings of BETTER_AUTH_URL's origin, for Better Auth's `trustedOrigins`.
 * A local run prints http://127.0.0.1:<port> while BETTER_AUTH_URL says http://localhost:<port>
 * (or the reverse); both reach the same server on the same machine, so both may send forms.
 * Any other BETTER_AUTH_URL (a real deployment) gets none: only its own origin is trusted.
 */
export function loopbackAliases(baseURL: string | undefined): string[] {
  if (!baseURL) return [];
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return [];
  }
  if (url.protocol !== "http:" || !LOOPBACK_HOSTS.includes(url.hostname)) return [];
  const port = url.port ? `:${url.port}` : "";
  return LOOPBACK_HOSTS.filter((host) => host !== url.hostname).map((host) => `http://${host}${port}`);
}
