/**
 * `npm start`: the production server, `next start` plus one thing it cannot do.
 *
 * Next.js passes a client's X-Forwarded-For through as it came and then never
 * shows the connection's address to the app, so Better Auth could not tell a
 * proxy's header from one a client made up to dodge its rate limits. This
 * server writes the header from the connection first (lib/client-address.ts).
 * It also gives every request an X-Request-ID (the client's, if plain), which
 * the audit log lines carry and the response echoes (lib/request-id.ts). And
 * it refuses bodies over AUTH_BODY_MAX on Better Auth's routes before reading
 * them (lib/body-limit.ts): Next.js would take up to 10 MB.
 *
 * Usage: `npm start -- [-H 0.0.0.0] [-p 3000]`, as with `next start`.
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { withinBodyLimit } from "./lib/body-limit";
import { forwardedFor, parseTrustedProxies } from "./lib/client-address";
import { requestIdFor } from "./lib/request-id";
import { newNonce, securityHeaders } from "./lib/security-headers";

// As `next start` does; Next.js and Better Auth would otherwise run in development mode.
(process.env as { NODE_ENV?: string }).NODE_ENV ??= "production";

const { values } = parseArgs({
  options: {
    hostname: { type: "string", short: "H", default: "0.0.0.0" },
    port: { type: "string", short: "p", default: process.env.PORT || "3000" },
  },
});
const hostname = values.hostname;
const port = Number(values.port);
const trustedProxies = parseTrustedProxies(process.env.TRUSTED_PROXIES);

// Imported only now, so that it starts with NODE_ENV already set.
const { default: next } = await import("next");
const app = next({ dev: false, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
// Better Auth is built on the first request; a configuration it refuses (a bad feed secret)
// stops the server now instead (after prepare(), which has read .env.local).
const { createAuth } = await import("./lib/auth");
await createAuth(process.env).$context;

createServer(async (request, response) => {
  request.headers["x-forwarded-for"] = forwardedFor(
    request.headers["x-forwarded-for"],
    request.socket.remoteAddress,
    trustedProxies,
  );
  const requestId = requestIdFor(request.headers["x-request-id"]);
  request.headers["x-request-id"] = requestId;
  response.setHeader("X-Request-ID", requestId);
  // Next.js answers some requests before proxy.ts runs (its trailing-slash 308s): they get the
  // headers here. On every other answer proxy.ts sets them again, with the page's own nonce.
  for (const [name, value] of Object.entries(securityHeaders({ nonce: newNonce(), dev: false }))) {
    response.setHeader(name, value);
  }
  const admitted = await withinBodyLimit(request, response).catch(() => {
    // The client went away while sending its body: there is no one to answer.
    response.destroy();
    return null;
  });
  if (admitted) void handle(admitted, response);
}).listen(port, hostname, () => {
  console.log(`Ready on http://${hostname}:${port}`);
});
