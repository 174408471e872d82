import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SignInReason } from "@/lib/safe-next";
import { createSessionExit, isSessionOver, type SessionOver } from "@/lib/session-exit";
import { signInNotice } from "@/lib/sign-in-notice";
import type { TabChannel } from "@/lib/tab-sync";

/** Tabs joined as BroadcastChannel joins them: a message reaches every tab but its sender. */
function tabs(count: number, userIds: string[] = Array(count).fill("alice")) {
  const listeners = new Map<number, (message: SessionOver) => void>();
  return userIds.map((userId, index) => {
    const channel: TabChannel<SessionOver> = {
      publish: (message) => listeners.forEach((listener, tab) => tab !== index && listener(structuredClone(message))),
      subscribe: (listener) => {
        listeners.set(index, listener);
        return () => listeners.delete(index);
      },
    };
    const left: SignInReason[] = [];
    const exit = createSessionExit({ userId, channel, leave: (reason) => left.push(reason) });
    return { exit, left };
  });
}

describe("leaving every tab together", () => {
  test("a sign-out in one tab sends every tab of that person to sign-in, once, with its reason", () => {
    const [first, second, third] = tabs(3);
    first!.exit.end("signed-out");
    assert.deepEqual([first!.left, second!.left, third!.left], [["signed-out"], ["signed-out"], ["signed-out"]]);
  });

  test("a session found over in one tab takes the others along as an expiry", () => {
    const [first, second] = tabs(2);
    second!.exit.end("expired");
    second!.exit.end("expired");
    assert.deepEqual([first!.left, second!.left], [["expired"], ["expired"]]);
  });

  test("a tab showing someone else stays", () => {
    const [alice, bob] = tabs(2, ["alice", "bob"]);
    alice!.exit.end("signed-out");
    assert.deepEqual([alice!.left, bob!.left], [["signed-out"], []]);
  });

  test("without a channel the tab still leaves by itself", () => {
    const left: SignInReason[] = [];
    createSessionExit({ userId: "alice", leave: (reason) => left.push(reason) }).end("expired");
    assert.deepEqual(left, ["expired"]);
  });

  test("only well-formed news is believed", () => {
    assert.equal(isSessionOver({ type: "session-over", userId: "alice", reason: "signed-out" }), true);
    for (const junk of [null, "session-over", { type: "session-over", userId: "alice", reason: "bored" }, { type: "session-over", reason: "expired" }]) {
      assert.equal(isSessionOver(junk), false, JSON.stringify(junk));
    }
  });
});

describe("signInNotice", () => {
  test("says why the person is on the sign-in page", () => {
    assert.deepEqual(signInNotice("signed-out"), { tone: "info", text: "You have signed out." });
    assert.equal(signInNotice("expired")?.text, "Your session has expired. Please sign in again.");
    assert.equal(signInNotice("toString"), undefined);
    assert.equal(signInNotice(undefined), undefined);
  });
});
