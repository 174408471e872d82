// Instances writing to one database at once never share an id, nor leave a gap.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { eachDatabase, freshDatabase, startAuth } from "./helpers.js";

const run = promisify(execFile);
const WRITER = fileURLToPath(new URL("./fixtures/writer.js", import.meta.url));

await eachDatabase("instances writing at once", (kind) => {
  let store;
  let instances;
  before(async () => {
    store = await freshDatabase(kind);
    instances = [await startAuth(store, { feed: { secret: null } }), await startAuth(store, { feed: { secret: null } })];
  });
  after(() => store.remove());

  async function rows() {
    const { adapter } = await instances[0].auth.$context;
    const all = await adapter.findMany({ model: "revocationEvent", limit: 100000, sortBy: { field: "position", direction: "asc" } });
    return all.map((row) => ({ ...row, position: Number(row.position) }));
  }

  function assertWhole(all, expected) {
    assert.equal(all.length, expected);
    assert.deepEqual(all.map((row) => row.position), Array.from({ length: expected }, (_, n) => n + 1), "ids 1..n, each once");
    assert.equal(new Set(all.map((row) => row.jti)).size, expected, "every jti differs");
    assert.equal(new Set(all.map((row) => row.incarnation)).size, 1, "one incarnation");
  }

  /** `count` sessions of a new user on `instance`, ended all at once. */
  async function endAtOnce(instance, count) {
    const { internalAdapter } = await instance.auth.$context;
    const user = await internalAdapter.createUser({ email: `racer-${Math.random()}@example.com`, name: "racer", emailVerified: false });
    const sessions = [];
    for (let n = 0; n < count; n += 1) sessions.push(await internalAdapter.createSession(user.id));
    return () => Promise.all(sessions.map((session) => internalAdapter.deleteSession(session.token)));
  }

  test("two instances in one process", async () => {
    const goes = await Promise.all(instances.map((instance) => endAtOnce(instance, 10)));
    await Promise.all(goes.map((go) => go()));
    assertWhole(await rows(), 20);
  });

  if (kind !== "memory") {
    test("three instances in three processes (the unique index decides)", async () => {
      const where = kind === "sqlite" ? store.file : store.url;
      const startAt = Date.now() + 1500;
      const writers = [1, 2].map(() => run(process.execPath, [WRITER, where, "15", String(startAt)]));
      const go = await endAtOnce(instances[0], 15);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
      await go();
      await Promise.all(writers);
      assertWhole(await rows(), 20 + 45);
    });
  }
});
