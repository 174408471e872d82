// Bundles server.ts, the Better Auth migration and the after-restore step into one file each for the standalone image
// (frontend/Dockerfile): everything but Next.js (in the standalone output) and native modules goes in.
//   node container/bundle.mjs <out dir>
import { build } from "esbuild";

const outdir = process.argv[2];
await build({
  entryPoints: {
    server: "server.ts",
    "migrate-auth-db": "scripts/migrate-auth-db.ts",
    "after-restore": "scripts/after-restore.ts",
  },
  outdir,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
  external: ["next", "libsql", "@libsql/*", "pg-native"],
  // CommonJS dependencies (pg) call require() for Node's own modules: ESM output needs one.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});
