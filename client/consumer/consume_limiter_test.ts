import assert from "node:assert/strict";
import { ConsumeLimiter } from "./consume_limiter.ts";
import { ConsumerTimers } from "./consumer_timers.ts";

Deno.test("ConsumeLimiter bounds concurrent holders and serves waiters in order", async () => {
  const limiter = new ConsumeLimiter(2);
  await limiter.acquire();
  await limiter.acquire();
  assert.equal(limiter.active, 2);
  const order: number[] = [];
  const waits = [1, 2, 3].map((n) => limiter.acquire().then(() => order.push(n)));
  assert.equal(limiter.waiting, 3);
  limiter.release();
  limiter.release();
  await Promise.all(waits.slice(0, 2));
  assert.deepEqual(order, [1, 2]);
  limiter.release();
  await waits[2];
  assert.deepEqual(order, [1, 2, 3]);
  limiter.release();
  limiter.release();
  assert.equal(limiter.active, 0);
  assert.throws(() => limiter.release(), /release without acquire/);
  assert.throws(() => new ConsumeLimiter(0), /permits 0 must be >= 1/);
});

Deno.test("ConsumerTimers runs tasks, reports failures and cancels everything at stop", async () => {
  const errors: unknown[] = [];
  const timers = new ConsumerTimers((error) => errors.push(error));
  const ran = Promise.withResolvers<void>();
  timers.schedule(0, () => ran.resolve());
  await ran.promise;
  const failed = Promise.withResolvers<void>();
  timers.schedule(0, () => {
    failed.resolve();
    throw new Error("boom");
  });
  await failed.promise;
  assert.equal((errors[0] as Error).message, "boom");
  let periodic = 0;
  const twice = Promise.withResolvers<void>();
  timers.every(0, 0, () => {
    if (++periodic === 2) twice.resolve();
    return Promise.resolve();
  });
  await twice.promise;
  timers.schedule(60_000, () => assert.fail("cancelled"));
  timers.cancelAll();
  assert.equal(timers.size, 0);
  assert.equal(timers.stopped, true);
  timers.schedule(0, () => assert.fail("stopped"));
  assert.equal(timers.size, 0);
});
