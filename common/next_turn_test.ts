import assert from "node:assert/strict";
import { nextTurn } from "./next_turn.ts";

async function stepsUntilReadSeen(yieldStep: () => Promise<void>): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await listener.accept();
  let seen = false;
  const reading = server.read(new Uint8Array(8)).then(() => {
    seen = true;
  });
  await conn.write(new Uint8Array([1]));
  let steps = 0;
  try {
    // Busy work in steps, yielding between them, until the read is delivered (or 200 steps).
    while (!seen && steps < 200) {
      const until = performance.now() + 0.05;
      while (performance.now() < until) { /* a step of background work */ }
      await yieldStep();
      steps++;
    }
  } finally {
    conn.close();
    await reading;
    server.close();
    listener.close();
  }
  return steps;
}

Deno.test("nextTurn lets a ready socket read through within a few steps", async () => {
  const steps = await stepsUntilReadSeen(nextTurn);
  assert.ok(steps <= 3, `the read waited ${steps} steps`);
});

Deno.test("setImmediate does not poll sockets every turn (why nextTurn uses a timer)", async () => {
  const steps = await stepsUntilReadSeen(() => new Promise((resolve) => setImmediate(resolve)));
  assert.ok(steps > 3, `setImmediate let the read through after ${steps} steps`);
});
