import { getAuth } from "@/lib/auth";

/** Better Auth's endpoints: sign-up/in/out, session, `/token` and `/jwks`. */
function handleAuthRequest(request: Request): Promise<Response> {
  return getAuth().handler(request);
}

export { handleAuthRequest as GET, handleAuthRequest as POST };
