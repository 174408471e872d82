import type { TokenChannel, TokenMessage } from "./token-store";

/** Runs `work` while holding a lock that every tab of this site shares (Web Locks API). */
export function crossTabLock(name: string) {
  return <T>(work: () => Promise<T>): Promise<T> => {
    const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
    // Without Web Locks each tab refreshes on its own: more requests, same result.
    return locks ? (locks.request(name, work) as Promise<T>) : work();
  };
}

/** A BroadcastChannel carrying token news between tabs; memory to memory, never storage. */
export function crossTabChannel(name: string): TokenChannel | undefined {
  if (typeof BroadcastChannel === "undefined") return undefined;
  const channel = new BroadcastChannel(name);
  return {
    publish: (message) => channel.postMessage(message),
    subscribe(listener) {
      const onMessage = (event: MessageEvent<unknown>) => {
        if (isTokenMessage(event.data)) listener(event.data);
      };
      channel.addEventListener("message", onMessage);
      return () => channel.removeEventListener("message", onMessage);
    },
  };
}

function isTokenMessage(data: unknown): data is TokenMessage {
  if (typeof data !== "object" || data === null) return false;
  const message = data as Partial<Record<"type" | "value", unknown>>;
  return message.type === "cleared" || (message.type === "token" && typeof message.value === "string");
}
