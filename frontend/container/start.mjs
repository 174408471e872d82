// The container's entry point: server.ts (bundled as server.mjs) on Next.js's standalone output.
// The standalone output carries the build's configuration in required-server-files.json instead
// of next.config.ts; Next.js reads it from this variable, as the standalone server.js would.
import { readFileSync } from "node:fs";

const { config } = JSON.parse(readFileSync(new URL("./.next/required-server-files.json", import.meta.url), "utf8"));
process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
await import("./server.mjs");
