/**
 * The web app's Better Auth alone (lib/auth.ts: its database, plugins and revocation feed), served
 * at /api/auth/* without the pages, for drills that need only its HTTP endpoints
 * (reliability/backup_drill.py). Not `npm start`: that needs a `next build`, which CI's lanes
 * would race to write into one .next directory.
 *
 * Usage: `tsx scripts/serve-auth.ts --port 3000`, with the environment `npm start` takes.
 * Prints one line, `Ready on http://127.0.0.1:<port>`, once listening.
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { toNodeHandler } from "better-auth/node";
import { createAuth } from "../lib/auth";
import { forwardedFor, parseTrustedProxies } from "../lib/client-address";

const { values } = parseArgs({ options: { port: { type: "string", short: "p", default: "3000" } } });
const auth = createAuth(process.env);
// A configuration Better Auth refuses (a bad feed secret, an unreachable database) stops it now.
await auth.$context;
const handler = toNodeHandler(auth);
const trustedProxies = parseTrustedProxies(process.env.TRUSTED_PROXIES);

const server = createServer((request, response) => {
  if (!request.url?.startsWith("/api/auth/")) {
    response.writeHead(404).end();
    return;
  }
  // As server.ts does: the client address comes from the connection, for Better Auth's rate limits.
  request.headers["x-forwarded-for"] = forwardedFor(
    request.headers["x-forwarded-for"],
    request.socket.remoteAddress,
    trustedProxies,
  );
  void handler(request, response);
}).listen(Number(values.port), "127.0.0.1", () => {
  console.log(`Ready on http://127.0.0.1:${values.port}`);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
