// A database restored from a backup brings back sessions that had ended; endSessionsAfterRestore ends them all.
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { after, test } from "node:test";
import { decodeJwt } from "jose";
import { endSessionsAfterRestore } from "../index.js";
import { eachDatabase, feedRequest, freshDatabase, freshNonce, signInAgain, signUp, startAuth } from "./helpers.js";

const SECRET = "feed-secret-for-tests-only-0123456789abcdef";

await eachDatabase(
  "restore",
  () => {
    const stores = [];
    after(() => Promise.all(stores.map((store) => store.remove())));

    async function page(server) {
      const response = await feedRequest(server, SECRET, `after=0&limit=1000&nonce=${freshNonce()}`);
      assert.equal(response.status, 200);
      return decodeJwt((await response.json()).page);
    }

    test("sessions that ended after the backup end again, under a new incarnation", async () => {
      const store = await freshDatabase("sqlite");
      const restoredStore = await freshDatabase("sqlite");
      stores.push(store, restoredStore);
      let server = await startAuth(store, { feed: { secret: SECRET } });
      const person = await signUp(server, "restored");
      const phone = await signInAgain(server, person);
      assert.equal((await server.post("/sign-out", {}, { cookie: phone.cookie })).status, 200);
      const laptop = await signInAgain(server, person);
      const backup = new Database(store.file);
      await backup.backup(restoredStore.file); // an online backup, restored below onto another machine
      backup.close();
      assert.equal((await server.post("/sign-out", {}, { cookie: laptop.cookie })).status, 200);
      const before = await page(server);
      assert.deepEqual(before.events.map((event) => event.sessionId), [phone.sessionId, laptop.sessionId]);

      server = await startAuth(restoredStore, { feed: { secret: SECRET } });
      assert.equal((await server.get("/get-session", { cookie: laptop.cookie })).status, 200); // it is back
      assert.deepEqual((await page(server)).events.map((event) => event.sessionId), [phone.sessionId]);

      assert.deepEqual(await endSessionsAfterRestore(server.auth), { ended: 2 });
      const restored = await page(server);
      const after = restored.events.slice(1);
      assert.deepEqual(after.map((event) => event.sessionId).sort(), [person.sessionId, laptop.sessionId].sort());
      assert.notEqual(restored.incarnation, before.incarnation);
      const answer = await (await server.get("/get-session", { cookie: laptop.cookie })).json();
      assert.equal(answer, null); // signed out again in Better Auth itself
    });

    test("it is not on the HTTP API", async () => {
      const store = await freshDatabase("sqlite");
      stores.push(store);
      const server = await startAuth(store, { feed: { secret: SECRET } });
      const person = await signUp(server, "caller");
      const answer = await server.post("/end-sessions-after-restore", {}, { cookie: person.cookie });
      assert.equal(answer.status, 404);
    });
  },
  ["sqlite"],
);
