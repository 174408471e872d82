import assert from "node:assert/strict";
import { test } from "node:test";
import { readAccessToken } from "@/lib/jwt-claims";
import { fakeJwt } from "./fakes";

test("reads sub, iat and exp in milliseconds", () => {
  const token = readAccessToken(fakeJwt({ sub: "user-ü", iat: 100, exp: 1000 }));
  assert.deepEqual(
    { subject: token.subject, issuedAt: token.issuedAt, expiresAt: token.expiresAt },
    { subject: "user-ü", issuedAt: 100_000, expiresAt: 1_000_000 },
  );
});

test("refuses what is not a JWT with sub and exp", () => {
  assert.throws(() => readAccessToken("not-a-jwt"), /not a JWT/);
  const noSub = `e30.${Buffer.from(JSON.stringify({ exp: 1 })).toString("base64url")}.x`;
  assert.throws(() => readAccessToken(noSub), /lacks/);
});
