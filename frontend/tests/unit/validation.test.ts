import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { describeAuthFailure, retryAfterSeconds } from "@/lib/auth-errors";
import { validateCredentials, validateTask } from "@/lib/validation";

describe("validateCredentials", () => {
  test("sign-up needs a name, a plausible email and 8 characters of password", () => {
    assert.deepEqual(Object.keys(validateCredentials("sign-up", { name: " ", email: "nope", password: "short" })), [
      "name",
      "email",
      "password",
    ]);
    assert.deepEqual(validateCredentials("sign-up", { name: "Ada", email: "ada@example.com", password: "12345678" }), {});
  });

  test("sign-in asks for no name", () => {
    assert.deepEqual(validateCredentials("sign-in", { name: "", email: "ada@example.com", password: "12345678" }), {});
  });
});

describe("validateTask", () => {
  test("title is required and at most 200 characters; description at most 1000", () => {
    assert.ok(validateTask({ title: "   ", description: "" }).title);
    assert.ok(validateTask({ title: "x".repeat(201), description: "" }).title);
    assert.ok(validateTask({ title: "ok", description: "x".repeat(1001) }).description);
    assert.deepEqual(validateTask({ title: "x".repeat(200), description: "x".repeat(1000) }), {});
  });
});

describe("describeAuthFailure", () => {
  test("a failed sign-in never says whether the email or the password was wrong", () => {
    for (const failure of [
      { status: 401, code: "INVALID_EMAIL_OR_PASSWORD" },
      { status: 401, code: "INVALID_PASSWORD" },
      { status: 400, code: "INVALID_EMAIL" },
    ]) {
      assert.equal(describeAuthFailure("sign-in", failure), "Invalid email or password.");
    }
  });

  test("rate limits and unreachable servers are told apart", () => {
    assert.match(describeAuthFailure("sign-in", { status: 429 }), /Too many attempts/);
    assert.match(describeAuthFailure("sign-up", { status: 0 }), /Can't reach/);
  });

  test("a sign-up refused for a field's length says which field and its limit", () => {
    assert.equal(describeAuthFailure("sign-up", { status: 400, code: "NAME_TOO_LONG" }), "Keep your name to 100 characters or fewer.");
    assert.match(describeAuthFailure("sign-up", { status: 400, code: "EMAIL_TOO_LONG" }), /at most 254 characters/);
    assert.match(describeAuthFailure("sign-up", { status: 413 }), /too much to send/);
  });

  test("a rate limit says how long to wait when the server said so", () => {
    assert.equal(describeAuthFailure("sign-in", { status: 429, retryAfter: 42 }), "Too many attempts, try again in 42 s.");
    assert.equal(describeAuthFailure("sign-up", { status: 429, retryAfter: 0 }), "Too many attempts, try again in 1 s.");
  });

  test("a refused origin says the page's address is wrong, not the details typed", () => {
    for (const mode of ["sign-in", "sign-up"] as const) {
      const message = describeAuthFailure(mode, { status: 403, code: "INVALID_ORIGIN" });
      assert.match(message, /address is not the app's configured address/);
      assert.doesNotMatch(message, /details|email or password/);
    }
  });
});

describe("retryAfterSeconds", () => {
  test("reads Retry-After, else Better Auth's X-Retry-After, in whole seconds", () => {
    assert.equal(retryAfterSeconds(new Headers({ "Retry-After": "120", "X-Retry-After": "5" })), 120);
    assert.equal(retryAfterSeconds(new Headers({ "X-Retry-After": "7" })), 7);
    assert.equal(retryAfterSeconds(new Headers({ "Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT", "X-Retry-After": "3" })), 3);
    assert.equal(retryAfterSeconds(new Headers({ "Retry-After": "-1" })), undefined);
    assert.equal(retryAfterSeconds(new Headers()), undefined);
  });
});
