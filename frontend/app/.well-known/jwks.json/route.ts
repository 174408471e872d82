import { getAuth } from "@/lib/auth";

/**
 * The key set where integrators look first. Better Auth answers it exactly as
 * at `/api/auth/jwks` (same body and headers): the request is handed over under that path.
 */
export function GET(request: Request): Promise<Response> {
  const betterAuthPath = new URL("/api/auth/jwks", request.url);
  return getAuth().handler(new Request(betterAuthPath, { headers: request.headers }));
}
