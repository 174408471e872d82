import { jwtClient } from "better-auth/client/plugins";
import { createAuthClient } from "better-auth/react";

/** Better Auth in the browser: same-origin `/api/auth/*`, plus `token()` from the JWT plugin. */
export const authClient = createAuthClient({
  plugins: [jwtClient()],
});
