import assert from "node:assert/strict";
import { Semaphore } from "./_semaphore.ts";

Deno.test("Semaphore hands permits to waiters in arrival order", async () => {
  const semaphore = new Semaphore(1, 10);
  assert.equal(semaphore.tryAcquire(), true);
  assert.equal(semaphore.tryAcquire(), false);
  const order: number[] = [];
  const a = semaphore.acquire(5000).then((ok) => order.push(ok ? 1 : -1));
  const b = semaphore.acquire(5000).then((ok) => order.push(ok ? 2 : -2));
  assert.equal(semaphore.waiting, 2);
  semaphore.release();
  await a;
  semaphore.release();
  await b;
  assert.deepEqual(order, [1, 2]);
  semaphore.release();
  assert.equal(semaphore.available, 1);
});

Deno.test("Semaphore acquire fails after its timeout and at once without a timeout", async () => {
  const semaphore = new Semaphore(1, 10);
  assert.equal(await semaphore.acquire(0), true);
  assert.equal(await semaphore.acquire(0), false);
  assert.equal(await semaphore.acquire(5), false);
  assert.equal(semaphore.waiting, 0);
  semaphore.release();
  assert.equal(semaphore.available, 1);
});

Deno.test("Semaphore refuses waiters beyond waitersMax", async () => {
  const semaphore = new Semaphore(1, 1);
  semaphore.tryAcquire();
  const waiting = semaphore.acquire(5000);
  assert.equal(semaphore.waitersFull, true);
  assert.equal(await semaphore.acquire(5000), false);
  semaphore.cancelWaiters();
  assert.equal(await waiting, false);
});

Deno.test("Semaphore asserts on a release without acquire", () => {
  const semaphore = new Semaphore(2, 1);
  assert.throws(() => semaphore.release(), /released more often than acquired/);
});
