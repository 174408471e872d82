import type { TokenMessage } from "./token-store";

/** Runs `work` while holding a lock that every tab of this site shares (Web Locks API). */
export function crossTabLock(name: string) {
  return <T>(work: () => Promise<T>): Promise<T> => {
    const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
    // Without Web Locks each tab refreshes on its own: more requests, same result.
    return locks ? (locks.request(name, work) as Promise<T>) : work();
  };
}

/** Messages between the open tabs of this site; a tab never hears its own. */
export interface TabChannel<T> {
  publish(message: T): void;
  subscribe(listener: (message: T) => void): () => void;
}

/**
 * A BroadcastChannel carrying messages of one kind between tabs, memory to
 * memory, never storage. Every browser the app supports has BroadcastChannel
 * (Safari since 15.4), so there is no storage-event fallback: without it a tab
 * simply finds out on its next request, as before.
 */
export function crossTabChannel<T>(name: string, accepts: (data: unknown) => data is T): TabChannel<T> | undefined {
  if (typeof BroadcastChannel === "undefined") return undefined;
  const channel = new BroadcastChannel(name);
  return {
    publish: (message) => channel.postMessage(message),
    subscribe(listener) {
      const onMessage = (event: MessageEvent<unknown>) => {
        if (accepts(event.data)) listener(event.data);
      };
      channel.addEventListener("message", onMessage);
      return () => channel.removeEventListener("message", onMessage);
    },
  };
}

export function isTokenMessage(data: unknown): data is TokenMessage {
  if (typeof data !== "object" || data === null) return false;
  const message = data as Partial<Record<"type" | "value", unknown>>;
  return message.type === "cleared" || (message.type === "token" && typeof message.value === "string");
}
