import { isIP } from "node:net";

/**
 * TRUSTED_PROXIES as the API reads it: comma-separated addresses or CIDR
 * networks of the reverse proxies whose X-Forwarded-For is believed. An entry
 * that is neither stops startup, rather than silently trusting less or more.
 */
export function parseTrustedProxies(value: string | undefined): string[] {
  const entries = (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (!isAddressOrNetwork(entry)) {
      throw new Error(`TRUSTED_PROXIES has an entry that is not an address or network: "${entry}".`);
    }
  }
  return entries;
}

function isAddressOrNetwork(entry: string): boolean {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/**
 * The X-Forwarded-For that Better Auth reads, built from the connection itself.
 *
 * Better Auth walks that header from the right past `trustedProxies`, but it
 * cannot see the TCP peer, and Next.js keeps a client's header as it came
 * (adding the peer only when there is none). So the server appends the peer,
 * as a proxy would: a direct client's own header then ends in its real address,
 * which is not trusted, and the walk stops there. With no trusted proxies the
 * header is the peer alone: a forwarded address is never believed.
 */
export function forwardedFor(
  received: string | string[] | undefined,
  peer: string | undefined,
  trustedProxies: readonly string[],
): string {
  // An unknown peer leaves the header empty: Better Auth then finds no address and
  // counts the request in one shared bucket, never in a bucket the client chose.
  if (!peer) return "";
  const hops = trustedProxies.length > 0 ? [received ?? []].flat().filter(Boolean) : [];
  return [...hops, peer].join(", ");
}
