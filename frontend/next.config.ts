import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // libsql loads a platform-specific native binary at run time; bundling it would break that lookup.
  serverExternalPackages: ["libsql", "@libsql/client", "kysely-libsql"],
};

export default nextConfig;
