import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { loopbackAliases } from "@/lib/local-origins";
import { freshAddress, freshEmail, sharedDatabase, startAuth } from "./auth-server";

// `make run` prints http://127.0.0.1:<port> as Ready while BETTER_AUTH_URL says localhost:
// a sign-up from either address must work, and only those two on a local run.
const database = sharedDatabase();
let server: Awaited<ReturnType<typeof startAuth>>;
before(async () => {
  server = await startAuth(database.env);
});
after(() => database.remove());

const signUpFrom = (origin: string) =>
  server.post("/sign-up/email", { name: "Test Person", email: freshEmail("origin"), password: "correct horse battery" }, freshAddress(), undefined, { origin });

test("a local run accepts sign-ups from both loopback spellings of its address", async () => {
  const base = new URL(database.env.BETTER_AUTH_URL!);
  for (const host of ["localhost", "127.0.0.1"]) {
    const response = await signUpFrom(`http://${host}:${base.port}`);
    assert.equal(response.status, 200, `from ${host}: ${await response.text()}`);
  }
});

test("a local run still refuses other origins: another port, another host", async () => {
  const base = new URL(database.env.BETTER_AUTH_URL!);
  for (const origin of [`http://127.0.0.1:${Number(base.port) + 1}`, "http://evil.example", `http://192.168.1.5:${base.port}`]) {
    const response = await signUpFrom(origin);
    assert.equal(response.status, 403, origin);
    assert.equal((await response.json()).code, "INVALID_ORIGIN");
  }
});

test("a deployment's address gets no loopback aliases", () => {
  assert.deepEqual(loopbackAliases("https://tasks.example.com"), []);
  assert.deepEqual(loopbackAliases("https://localhost:3000"), []);
  assert.deepEqual(loopbackAliases(undefined), []);
  assert.deepEqual(loopbackAliases("http://localhost:3100"), ["http://127.0.0.1:3100", "http://[::1]:3100"]);
  assert.deepEqual(loopbackAliases("http://127.0.0.1:3000"), ["http://localhost:3000", "http://[::1]:3000"]);
});
