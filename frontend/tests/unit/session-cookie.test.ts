/**
 * The session cookie lib/auth.ts's Better Auth sets, over plain HTTP and behind
 * TLS (BETTER_AUTH_URL https://…), and the posts from another site it refuses:
 * neither a session made nor one ended.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DATABASE_KIND, freshAddress, freshEmail, sharedDatabase, startAuth, type Env } from "./auth-server";

// Better Auth logs each refusal as an error; these tests make them on purpose.
const error = console.error;
console.error = (message?: unknown, ...rest: unknown[]) => {
  if (!String(message).includes("[Better Auth]")) error(message, ...rest);
};

const PASSWORD = "correct horse battery";
const FOREIGN = "https://evil.example";

interface Site {
  url: string;
  cookieName: string;
  auth: Awaited<ReturnType<typeof startAuth>>["auth"];
}

/** A POST to Better Auth as a browser would send it, JSON or a plain HTML form's body. */
function post(site: Site, pathname: string, body: Record<string, string>, headers: Record<string, string> = {}, form = false) {
  return site.auth.handler(
    new Request(`${site.url}/api/auth${pathname}`, {
      method: "POST",
      headers: {
        "content-type": form ? "application/x-www-form-urlencoded" : "application/json",
        // A new address each time: the sign-up and sign-in limits are per address.
        "x-forwarded-for": freshAddress(),
        ...headers,
      },
      body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
    }),
  );
}

async function sessionOf(site: Site, cookie: string): Promise<{ session: { id: string } } | null> {
  const response = await site.auth.handler(new Request(`${site.url}/api/auth/get-session`, { headers: { cookie } }));
  assert.equal(response.status, 200);
  return (await response.json()) as { session: { id: string } } | null;
}

async function sessionRows(site: Site): Promise<number> {
  const context = await site.auth.$context;
  return context.adapter.count({ model: "session" });
}

/** The session cookie's Set-Cookie line of an answer, split into its name=value and attributes (lower-cased). */
function setCookie(response: Response, name: string): { pair: string; attributes: Map<string, string> } {
  const line = response.headers.getSetCookie().find((header) => header.startsWith(`${name}=`));
  assert.ok(line, `no ${name} cookie set (status ${response.status}); set: ${response.headers.getSetCookie().join(" | ")}`);
  const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
  return {
    pair,
    attributes: new Map(
      attributes.map((attribute) => {
        const [key = "", value = ""] = attribute.split("=");
        return [key.toLowerCase(), value.toLowerCase()];
      }),
    ),
  };
}

async function signedUp(site: Site): Promise<{ email: string; cookie: string }> {
  const email = freshEmail("cookie");
  const response = await post(site, "/sign-up/email", { name: "Cookie Person", email, password: PASSWORD }, { origin: site.url });
  assert.equal(response.status, 200);
  return { email, cookie: setCookie(response, site.cookieName).pair };
}

const databases: { remove(): void }[] = [];
after(() => databases.forEach((database) => database.remove()));

async function startSite(url: string, cookieName: string): Promise<Site> {
  const database = sharedDatabase();
  databases.push(database);
  const env: Env = { ...database.env, BETTER_AUTH_URL: url };
  return { url, cookieName, auth: (await startAuth(env)).auth };
}

describe(`the session cookie (${DATABASE_KIND})`, () => {
  let plain: Site;
  let tls: Site;
  before(async () => {
    plain = await startSite("http://127.0.0.1:3999", "better-auth.session_token");
    // Behind a TLS front: the public URL is https, whatever the connection to the app.
    tls = await startSite("https://tasks.example.com", "__Secure-better-auth.session_token");
  });

  test("over plain HTTP: HttpOnly, SameSite=Lax, Path=/, a week, not Secure (a browser would drop it)", async () => {
    const response = await post(plain, "/sign-up/email", { name: "A", email: freshEmail("plain"), password: PASSWORD }, { origin: plain.url });
    const { attributes } = setCookie(response, "better-auth.session_token");
    assert.ok(attributes.has("httponly"));
    assert.equal(attributes.get("samesite"), "lax");
    assert.equal(attributes.get("path"), "/");
    assert.equal(attributes.get("max-age"), String(7 * 24 * 3600));
    assert.ok(!attributes.has("secure"));
    assert.ok(!attributes.has("domain"), "a host-only cookie");
  });

  test("behind TLS (BETTER_AUTH_URL https): Secure and named __Secure-, HttpOnly, SameSite=Lax", async () => {
    for (const pathname of ["/sign-up/email", "/sign-in/email"]) {
      const email = pathname === "/sign-in/email" ? (await signedUp(tls)).email : freshEmail("tls");
      const response = await post(tls, pathname, { name: "T", email, password: PASSWORD }, { origin: tls.url });
      assert.equal(response.status, 200, pathname);
      const { attributes } = setCookie(response, "__Secure-better-auth.session_token");
      assert.ok(attributes.has("secure"), pathname);
      assert.ok(attributes.has("httponly"), pathname);
      assert.equal(attributes.get("samesite"), "lax", pathname);
      assert.ok(!response.headers.getSetCookie().some((line) => line.startsWith("better-auth.session_token=")));
    }
  });

  for (const which of ["plain", "tls"] as const) {
    describe(`posts from another site are refused (${which === "plain" ? "plain HTTP" : "behind TLS"})`, () => {
      const site = () => (which === "plain" ? plain : tls);

      test("sign-in with a foreign Origin: 403, no cookie, no session made", async () => {
        const { email } = await signedUp(site());
        const before = await sessionRows(site());
        for (const form of [false, true]) {
          const response = await post(site(), "/sign-in/email", { email, password: PASSWORD }, { origin: FOREIGN }, form);
          assert.equal(response.status, 403, form ? "as a form" : "as JSON");
          assert.equal(response.headers.getSetCookie().length, 0);
        }
        assert.equal(await sessionRows(site()), before);
      });

      test("a cross-site form navigation to sign-in (Fetch Metadata, no Origin): 403, no session made", async () => {
        const { email } = await signedUp(site());
        const before = await sessionRows(site());
        const response = await post(
          site(),
          "/sign-in/email",
          { email, password: PASSWORD },
          { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" },
          true,
        );
        assert.equal(response.status, 403);
        assert.equal(response.headers.getSetCookie().length, 0);
        assert.equal(await sessionRows(site()), before);
      });

      test("sign-up with a foreign Origin: 403, no account, no cookie", async () => {
        const email = freshEmail("forged");
        const response = await post(site(), "/sign-up/email", { name: "Forged", email, password: PASSWORD }, { origin: FOREIGN });
        assert.equal(response.status, 403);
        assert.equal(response.headers.getSetCookie().length, 0);
        const context = await site().auth.$context;
        assert.equal(await context.internalAdapter.findUserByEmail(email), null);
      });

      test("sign-out with the session cookie and a foreign Origin, or none: 403, the session goes on", async () => {
        const { cookie } = await signedUp(site());
        const session = await sessionOf(site(), cookie);
        assert.ok(session);
        const refused: Record<string, string>[] = [{ origin: FOREIGN }, { origin: "null" }, {}, { referer: `${FOREIGN}/page` }];
        for (const headers of refused) {
          const response = await post(site(), "/sign-out", {}, { cookie, ...headers });
          assert.equal(response.status, 403, JSON.stringify(headers));
          assert.equal(response.headers.getSetCookie().length, 0, JSON.stringify(headers));
        }
        // What a plain HTML form on another site can send (no preflight): refused before any origin check.
        for (const contentType of ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"]) {
          const response = await post(site(), "/sign-out", {}, { cookie, origin: FOREIGN, "content-type": contentType });
          assert.equal(response.status, 415, contentType);
          assert.equal(response.headers.getSetCookie().length, 0, contentType);
        }
        assert.equal((await sessionOf(site(), cookie))?.session.id, session.session.id);
        // The same post from this site's own page ends it: the refusals above were about the origin.
        const own = await post(site(), "/sign-out", {}, { cookie, origin: site().url });
        assert.equal(own.status, 200);
        assert.equal(await sessionOf(site(), cookie), null);
      });
    });
  }
});
