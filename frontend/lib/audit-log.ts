import type { BetterAuthPlugin, GenericEndpointContext } from "better-auth";
import { createAuthMiddleware, getIP, isAPIError } from "better-auth/api";
import { normaliseEmail } from "./failed-sign-ins";
import { isPlainRequestId } from "./request-id";

export type AuditEvent =
  | "sign-up"
  | "sign-in"
  | "sign-in-failed"
  | "sign-out"
  | "session-revoked"
  | "user-banned"
  | "user-deleted";

type Fields = Record<string, string | number | null | undefined>;

// C1 controls, DEL and the Unicode line and paragraph separators: JSON.stringify leaves them as they
// are, and some readers end a line at them. (It already escapes C0 controls such as \n.)
const LINE_BREAKERS = /[\u007f-\u009f\u2028\u2029]/g;
// What a client typed (an email) is logged up to this many characters, then "…".
const LOGGED_VALUE_LENGTH = 256;

/** One JSON object on one line; nothing in `fields` can end the line early or forge another. */
export function formatAuditLine(event: AuditEvent, fields: Fields, now = new Date()): string {
  const entry = {
    time: now.toISOString(),
    level: event === "sign-in-failed" ? "WARNING" : "INFO",
    logger: "audit",
    event,
    ...fields,
  };
  return JSON.stringify(entry).replace(LINE_BREAKERS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const clip = (value: string) => (value.length > LOGGED_VALUE_LENGTH ? `${value.slice(0, LOGGED_VALUE_LENGTH)}…` : value);

/** Who is asking and in which request: the client address as the rate limits see it, and the request id. */
function origin(ctx: GenericEndpointContext | null | undefined): Fields {
  if (!ctx) return { client: null, request_id: null };
  const headers = ctx.request?.headers ?? ctx.headers;
  const requestId = headers?.get("x-request-id");
  return {
    client: headers ? getIP(ctx.request ?? headers, ctx.context.options) : null,
    request_id: isPlainRequestId(requestId) ? requestId : null,
  };
}

/** The signed-in person making the request, when it is not the person the event is about. */
function actor(ctx: GenericEndpointContext | null | undefined, userId: string): Fields {
  const session = ctx?.context.session;
  if (!session || session.user.id === userId) return {};
  return { actor_id: session.user.id, actor_session_id: session.session.id };
}

const BAN_PATHS = new Set(["/admin/ban-user", "/admin/update-user"]);
const isBan = (ctx: GenericEndpointContext) =>
  ctx.path === "/admin/ban-user" || (ctx.path === "/admin/update-user" && ctx.body?.data?.banned === true);

/**
 * The audit trail: one line per sign-up, sign-in (succeeded or failed),
 * sign-out, revoked session, ban and deleted user, with user id, session id,
 * client address and request id. Never a token, password, cookie or secret.
 */
export function auditLog(write: (line: string) => void = (line) => console.info(line)): BetterAuthPlugin {
  const log = (event: AuditEvent, fields: Fields) => write(formatAuditLine(event, fields));

  return {
    id: "audit-log",
    init() {
      return {
        options: {
          databaseHooks: {
            session: {
              delete: {
                after: async (session, ctx) => {
                  // A session removed because it had expired is housekeeping, not an event.
                  if (new Date(session.expiresAt).getTime() <= Date.now()) return;
                  const event = ctx?.path === "/sign-out" ? "sign-out" : "session-revoked";
                  log(event, {
                    user_id: session.userId,
                    session_id: session.id,
                    ...actor(ctx, session.userId),
                    ...origin(ctx),
                    via: ctx?.path ?? null,
                  });
                },
              },
            },
            user: {
              delete: {
                after: async (user, ctx) => {
                  log("user-deleted", {
                    user_id: user.id,
                    session_id: ctx?.context.session?.session.id ?? null,
                    ...actor(ctx, user.id),
                    ...origin(ctx),
                    via: ctx?.path ?? null,
                  });
                },
              },
            },
          },
        },
      };
    },
    hooks: {
      after: [
        {
          matcher: (ctx) => ctx.path === "/sign-up/email" || ctx.path === "/sign-in/email",
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned;
            if (!isAPIError(returned)) {
              const created = ctx.context.newSession;
              log(ctx.path === "/sign-up/email" ? "sign-up" : "sign-in", {
                user_id: created?.user.id ?? null,
                session_id: created?.session.id ?? null,
                ...origin(ctx),
              });
              return;
            }
            if (ctx.path !== "/sign-in/email") return;
            const email = normaliseEmail(ctx.body?.email);
            // The account tried, so that an operator finds failed attempts under the user's id too.
            const found = email ? await ctx.context.internalAdapter.findUserByEmail(email) : null;
            log("sign-in-failed", {
              user_id: found?.user.id ?? null,
              session_id: null,
              email: email === null ? null : clip(email),
              status: returned.statusCode,
              reason: typeof returned.body?.code === "string" ? returned.body.code : null,
              ...origin(ctx),
            });
          }),
        },
        {
          matcher: (ctx) => BAN_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            if (isAPIError(ctx.context.returned) || !isBan(ctx)) return;
            const userId = String(ctx.body.userId);
            log("user-banned", {
              user_id: userId,
              session_id: null,
              ...actor(ctx, userId),
              ...origin(ctx),
            });
          }),
        },
      ],
    },
  };
}
