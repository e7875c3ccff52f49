import assert from "node:assert/strict";
import { PullRequestHoldService, type SuspendPullOptions } from "./pull_request_hold_service.ts";

const ALL = { isMatchedByConsumeQueue: () => true };
const TAG_A = {
  isMatchedByConsumeQueue: (code: number | null) => code === null || code === 2598919,
};

function options(overrides: Partial<SuspendPullOptions> = {}): SuspendPullOptions {
  return {
    topic: "T",
    queueId: 0,
    pullFromThisOffset: 5,
    filter: ALL,
    channelId: 1,
    timeoutMs: 60_000,
    ...overrides,
  };
}

Deno.test("PullRequestHoldService wakes only pulls behind the new max offset that match the tag", async () => {
  const service = new PullRequestHoldService({ heldMax: 10 });
  const behind = service.suspend(options())!;
  const ahead = service.suspend(options({ pullFromThisOffset: 9 }))!;
  const tagged = service.suspend(options({ filter: TAG_A }))!;
  const otherQueue = service.suspend(options({ queueId: 1 }))!;
  service.notifyMessageArriving("T", 0, 6, 12345);
  assert.equal(await behind, "arrived");
  assert.equal(service.size, 3);
  service.notifyMessageArriving("T", 0, 7, 2598919);
  assert.equal(await tagged, "arrived");
  assert.equal(service.size, 2);
  service.stop();
  assert.equal(await ahead, "shutdown");
  assert.equal(await otherQueue, "shutdown");
  assert.equal(service.suspend(options()), null, "a stopped service parks nothing");
});

Deno.test("PullRequestHoldService refuses pulls beyond heldMax and frees a closed connection's pulls", async () => {
  const service = new PullRequestHoldService({ heldMax: 2 });
  const first = service.suspend(options({ channelId: 7 }))!;
  const second = service.suspend(options({ channelId: 8 }))!;
  assert.equal(service.suspend(options()), null);
  service.dropChannel(7);
  assert.equal(await first, "closed");
  assert.notEqual(
    service.suspend(options({ channelId: 9 })),
    null,
    "the freed slot is usable again",
  );
  service.stop();
  assert.equal(await second, "shutdown");
});

Deno.test("PullRequestHoldService answers a pull when its hold time ends", async () => {
  const service = new PullRequestHoldService({ heldMax: 2 });
  const started = performance.now();
  assert.equal(await service.suspend(options({ timeoutMs: 20 })), "timeout");
  assert.ok(performance.now() - started >= 15);
  assert.equal(service.size, 0);
  await assert.rejects(
    service.waitForParked(1, 10),
    /Timed out after 10 ms waiting for 1 parked pulls/,
  );
});
