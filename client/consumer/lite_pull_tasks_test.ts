import assert from "node:assert/strict";
import { systemClock } from "../../common/clock.ts";
import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
import { buildSubscriptionData } from "../heartbeat_data.ts";
import type { MessageQueue } from "../message_queue.ts";
import { type ConsumerTestEnv, queuesOf, withConsumerTestEnv } from "./_consumer_testing.ts";
import { AssignedMessageQueue } from "./assigned_message_queue.ts";
import { ConsumeRequestBuffer } from "./consume_request_buffer.ts";
import { ConsumerTimers } from "./consumer_timers.ts";
import { type LitePullSettings, LitePullTasks } from "./lite_pull_tasks.ts";
import { PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL } from "./limits.ts";
import { PullAPIWrapper } from "./pull_api_wrapper.ts";

const BROKER = "broker-test";
const TAKE_TIMEOUT_MS = 5000;

/**
 * Timers that only record what was scheduled, so RocketMQ's 50 ms flow-control retry never fires
 * by itself; `runNow` stays immediate and its runs are tracked so the test can await them.
 */
class ManualTimers extends ConsumerTimers {
  readonly due: { delayMs: number; task: () => void | Promise<void> }[] = [];
  readonly #running: Promise<void>[] = [];

  constructor() {
    super((error) => {
      throw error;
    });
  }

  override schedule(delayMs: number, task: () => void | Promise<void>): void {
    this.due.push({ delayMs, task });
  }

  override runNow(task: () => void | Promise<void>): void {
    super.runNow(() => {
      const result = task();
      if (result instanceof Promise) this.#running.push(result);
      return result;
    });
  }

  /** Awaits woken runs and runs every zero-delay task (a pull's successor) until none is left. */
  async settle(): Promise<void> {
    for (let round = 0;; round++) {
      assert.ok(round < 100, "pull tasks kept rescheduling themselves");
      if (this.#running.length > 0) {
        await Promise.all(this.#running.splice(0));
        continue;
      }
      const at = this.due.findIndex((d) => d.delayMs === 0);
      if (at < 0) return;
      const [{ task }] = this.due.splice(at, 1);
      await task();
    }
  }

  /** @returns how many flow-control retries are pending */
  get flowControlRetries(): number {
    return this.due.filter((d) => d.delayMs === PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL)
      .length;
  }
}

const SETTINGS: LitePullSettings = {
  pullBatchSize: 4,
  pullThresholdForAll: 1_000,
  pullThresholdForQueue: 8,
  pullThresholdSizeForQueue: 100,
  consumeMaxSpan: 2000,
  brokerSuspendMaxTimeMillis: 1000,
  consumerTimeoutMillisWhenSuspend: 5000,
  pullTimeDelayMillsWhenException: 1000,
};

/** Pull tasks on a real broker, with manual timers and a fresh buffer. */
function tasksFor(
  t: { producer: { clientInstance: unknown } },
  queues: MessageQueue[],
  settings: LitePullSettings,
) {
  const assigned = new AssignedMessageQueue();
  assigned.assign(queues);
  const buffer = new ConsumeRequestBuffer();
  const timers = new ManualTimers();
  const instance = t.producer.clientInstance as ConstructorParameters<typeof PullAPIWrapper>[0];
  const tasks = new LitePullTasks({
    settings,
    assigned,
    buffer,
    wrapper: new PullAPIWrapper(instance, "CG_LITE_TASKS"),
    subscriptionOf: (topic) => buildSubscriptionData(topic, "*", { subVersion: 0 }),
    computePullFromWhere: () => Promise.resolve(0),
    timers,
    clock: systemClock,
    logger: silentRemotingLogger,
  });
  /** What `poll` does with a batch: take it, remove it from the cache, tell the tasks. */
  const poll = async () => {
    const request = await buffer.take(TAKE_TIMEOUT_MS);
    assert.ok(request !== undefined, `no batch within ${TAKE_TIMEOUT_MS} ms`);
    const offset = request.processQueue.removeMessage(request.messages);
    tasks.afterPoll(request.messageQueue);
    return { request, offset };
  };
  return { assigned, buffer, timers, tasks, poll };
}

/**
 * Creates `topic` with `queueCount` queues and sends `perQueue` messages to each, one queue after
 * the other per round.
 * @returns the queues
 */
async function filledQueues(
  t: ConsumerTestEnv,
  topic: string,
  queueCount: number,
  perQueue: number,
): Promise<MessageQueue[]> {
  await t.createTopic(topic, queueCount);
  const queues = queuesOf(topic, BROKER, queueCount);
  for (let i = 0; i < perQueue; i++) {
    for (const mq of queues) {
      await t.producer.send({ topic, body: `m-${i}` }, { messageQueue: mq });
    }
  }
  return queues;
}

Deno.test("LitePullTasks prefetches up to pullThresholdForQueue and poll wakes the queue at once", async () => {
  await withConsumerTestEnv(async (t) => {
    const [mq] = await filledQueues(t, "TopicLiteTasks", 1, 40);
    const { assigned, buffer, timers, tasks, poll } = tasksFor(t, [mq], SETTINGS);
    try {
      tasks.start(mq);
      await timers.settle();
      const pq = assigned.state(mq)!.processQueue;
      // 4 and 8 cached are not over 8, so a third pull goes out; 12 is, so the task waits.
      assert.equal(pq.msgCount, 12, "prefetch stops one batch past pullThresholdForQueue");
      assert.equal(buffer.size, 3);
      assert.equal(tasks.parkedCount, 1);
      assert.equal(timers.flowControlRetries, 1, "RocketMQ's 50 ms retry is still scheduled");

      const first = await poll();
      assert.deepEqual(first.request.messages.map((m) => m.queueOffset), [0, 1, 2, 3]);
      assert.equal(first.offset, 4, "the commit offset covers only the polled batch");
      assert.equal(tasks.parkedCount, 0, "the poll woke the queue's task");
      // The woken task pulls now, without the retry timer (which manual timers never fire).
      await timers.settle();
      assert.equal(pq.msgCount, 12, "refilled to the same bound");
      assert.equal(buffer.size, 3);
      assert.equal(tasks.parkedCount, 1);
      const offsets: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { request, offset } = await poll();
        offsets.push(offset);
        await timers.settle();
        assert.equal(request.messages[0].queueOffset, 4 * (i + 1), "queue order kept");
      }
      assert.deepEqual(offsets, [8, 12, 16], "each commit offset ends at the polled batch");
      assert.equal(pq.msgCount, 12);
    } finally {
      tasks.stop();
      buffer.close();
    }
  });
});

Deno.test("LitePullTasks wakes every waiting queue when poll takes the buffer under pullThresholdForAll", async () => {
  await withConsumerTestEnv(async (t) => {
    const queues = await filledQueues(t, "TopicLiteAll", 2, 20);
    // The buffer is full at 3 batches (3 × 4 > 8); per-queue thresholds are far away.
    const settings = { ...SETTINGS, pullThresholdForAll: 8, pullThresholdForQueue: 1000 };
    const { buffer, timers, tasks, poll } = tasksFor(t, queues, settings);
    try {
      for (const mq of queues) tasks.start(mq);
      await timers.settle();
      assert.equal(buffer.size, 3, "pulls stop once size × pullBatchSize exceeds the threshold");
      assert.equal(tasks.parkedCount, 2, "both queues wait");
      await poll();
      assert.equal(tasks.parkedCount, 0, "taking the buffer back to the threshold woke both");
      await timers.settle();
      // each woken queue saw 2 batches (2 × 4 ≤ 8) and pulled once, then waited again
      assert.equal(buffer.size, 4);
      assert.equal(tasks.parkedCount, 2);
      await poll();
      assert.equal(tasks.parkedCount, 2, "still over the threshold: the woken queue waits again");
    } finally {
      tasks.stop();
      buffer.close();
    }
  });
});

Deno.test("LitePullTasks cancel drops the queue's batches and wakes the queues waiting for buffer room", async () => {
  await withConsumerTestEnv(async (t) => {
    const queues = await filledQueues(t, "TopicLiteCancel", 3, 12);
    // Full at 3 batches (3 × 4 > 8), one from each queue; per-queue thresholds are far away.
    const settings = { ...SETTINGS, pullThresholdForAll: 8, pullThresholdForQueue: 1000 };
    const { buffer, timers, tasks } = tasksFor(t, queues, settings);
    const queueIdsBuffered = async () => {
      const ids: number[] = [];
      for (let request; (request = await buffer.take(0)) !== undefined;) {
        ids.push(request.messageQueue.queueId);
      }
      return ids.sort();
    };
    try {
      for (const mq of queues) tasks.start(mq);
      await timers.settle();
      assert.equal(buffer.size, 3);
      assert.equal(tasks.parkedCount, 3, "every queue waits for the buffer");

      // A reassignment away from queue 1: no poll happens, yet the buffer is back at 2 × 4 ≤ 8.
      tasks.cancel(queues[1]);
      assert.equal(tasks.parkedCount, 0, "the cancel woke the two queues still assigned");
      await timers.settle();
      // Both woken tasks saw 2 batches and pulled, then waited again at 4.
      assert.equal(tasks.parkedCount, 2);
      assert.deepEqual(await queueIdsBuffered(), [0, 0, 2, 2], "none of queue 1's batches is left");
    } finally {
      tasks.stop();
      buffer.close();
    }
  });
});

Deno.test("LitePullTasks leaves a queue waiting for its own cache parked when another queue is polled", async () => {
  await withConsumerTestEnv(async (t) => {
    const queues = await filledQueues(t, "TopicLiteOwn", 2, 16);
    // Each queue waits once it caches 2 batches (8 > 4); the buffer limit is far away.
    const settings = { ...SETTINGS, pullThresholdForAll: 1_000, pullThresholdForQueue: 4 };
    const { buffer, timers, tasks, poll } = tasksFor(t, queues, settings);
    try {
      for (const mq of queues) tasks.start(mq);
      await timers.settle();
      assert.equal(buffer.size, 4);
      assert.equal(tasks.parkedCount, 2);
      const { request } = await poll();
      assert.equal(tasks.parkedCount, 1, "only the polled queue's task woke");
      await timers.settle();
      assert.equal(tasks.parkedCount, 2, "the polled queue refilled and waits again");
      assert.equal(buffer.size, 4);
      assert.equal(request.messageQueue.queueId, 0);
    } finally {
      tasks.stop();
      buffer.close();
    }
  });
});
