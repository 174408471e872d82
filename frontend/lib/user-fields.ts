import type { BetterAuthOptions } from "better-auth";
import { APIError } from "better-auth/api";
import { EMAIL_MAX, NAME_MAX } from "./validation";

/**
 * Limits on what a person may store in their account. Better Auth takes any string for
 * `name` and `image`; the name rides in every JWT the API is sent, so a long one swells the
 * auth database and makes the person's own API calls fail on the header's size.
 *
 * As database hooks they hold on every path that writes a user: sign-up, update-user and
 * the admin plugin's create-user and update-user. Lengths count UTF-16 code units, as the
 * form's maxLength does.
 */
type UserFields = { name?: unknown; email?: unknown; image?: unknown };

const TOO_LONG = {
  name: { code: "NAME_TOO_LONG", message: `Name must be at most ${NAME_MAX} characters.` },
  email: { code: "EMAIL_TOO_LONG", message: `Email must be at most ${EMAIL_MAX} characters.` },
};
// No page shows a profile image: an image URL would only be stored and sent along.
const IMAGE_NOT_USED = { code: "IMAGE_NOT_SUPPORTED", message: "Profile images are not supported." };

export function checkUserFields(user: UserFields): void {
  if (typeof user.name === "string" && user.name.length > NAME_MAX) throw APIError.from("BAD_REQUEST", TOO_LONG.name);
  if (typeof user.email === "string" && user.email.length > EMAIL_MAX) throw APIError.from("BAD_REQUEST", TOO_LONG.email);
  if (user.image !== undefined && user.image !== null) throw APIError.from("BAD_REQUEST", IMAGE_NOT_USED);
}

export const userFieldLimits = {
  user: {
    create: { before: async (user: UserFields) => checkUserFields(user) },
    update: { before: async (user: Partial<UserFields>) => checkUserFields(user) },
  },
} satisfies BetterAuthOptions["databaseHooks"];
