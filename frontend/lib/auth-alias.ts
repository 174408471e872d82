import { authAliasTarget } from "./safe-next";

/** A GET handler that sends an old-style address (`/login`) to the page it stands for, `?next=` kept. */
export function redirectTo(page: "/sign-in" | "/sign-up") {
  return (request: Request): Response => {
    const next = new URL(request.url).searchParams.get("next");
    // A relative Location: the browser resolves it against the address it asked, whatever proxy is in front.
    return new Response(null, { status: 307, headers: { Location: authAliasTarget(page, next) } });
  };
}
