import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // The container image (frontend/Dockerfile) ships the standalone output: the server and only the
  // files it uses. Elsewhere (`make run`, the e2e tests, `npm start`) the usual build is kept.
  output: process.env.NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
  // libsql loads a platform-specific native binary at run time; bundling it would break that lookup.
  serverExternalPackages: ["libsql", "@libsql/client", "kysely-libsql"],
  // `next dev` serves on localhost; the API's CORS_ORIGINS also lists 127.0.0.1, and without this
  // Next.js refuses its live-reload socket to that origin (a console error on every page).
  allowedDevOrigins: ["127.0.0.1"],
};

export default nextConfig;
