/** The task API called directly with the signed-in person's token, to set up what a scenario needs. */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { NewTask, Task } from "../../lib/task";
import { url } from "./app";
import { API_URL, JWT_LIFETIME_MS } from "./env";

export interface TaskApi {
  userId: string;
  /** Creates the tasks with `concurrency` requests in flight; resolves to them in the order given. */
  createTasks(inputs: (NewTask & { completed?: boolean })[], concurrency?: number): Promise<Task[]>;
}

/** The API as the person signed in on `page` (Better Auth's cookie there gives the token). */
export async function taskApiFor(page: Page): Promise<TaskApi> {
  const session = (await (await page.request.get(url("/api/auth/get-session"))).json()) as { user: { id: string } };
  const userId = session.user.id;
  let token: Promise<string> | undefined;
  let issuedAt = 0;

  /** A token with time left: the scenarios' tokens live only seconds (E2E_JWT_LIFETIME_SECONDS). */
  function freshToken(force = false): Promise<string> {
    if (force || !token || Date.now() - issuedAt > JWT_LIFETIME_MS / 2) {
      issuedAt = Date.now();
      token = page.request.get(url("/api/auth/token")).then(async (response) => {
        assert.equal(response.status(), 200, "Better Auth gave no token");
        return ((await response.json()) as { token: string }).token;
      });
    }
    return token;
  }

  async function create(input: NewTask & { completed?: boolean }): Promise<Task> {
    for (let attempt = 1; ; attempt += 1) {
      const response = await fetch(`${API_URL}/api/${encodeURIComponent(userId)}/tasks`, {
        method: "POST",
        headers: { Authorization: `Bearer ${await freshToken(attempt > 1)}`, "Content-Type": "application/json" },
        body: JSON.stringify(input),
      });
      if (response.status === 201) return (await response.json()) as Task;
      // A token that expired in flight is renewed once; anything else is a failure of the scenario's setup.
      if (response.status !== 401 || attempt > 1) {
        throw new Error(`creating "${input.title}": ${response.status} ${await response.text()}`);
      }
    }
  }

  return {
    userId,
    async createTasks(inputs, concurrency = 8) {
      const created: Task[] = new Array(inputs.length);
      let next = 0;
      const worker = async () => {
        while (next < inputs.length) {
          const index = next++;
          created[index] = await create(inputs[index]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
      return created;
    },
  };
}
