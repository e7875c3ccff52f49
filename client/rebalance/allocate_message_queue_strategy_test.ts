import assert from "node:assert/strict";
import type { MessageQueue } from "../message_queue.ts";
import { compareMessageQueue } from "../message_queue.ts";
import { MQClientError } from "../client_error.ts";
import { AllocateMessageQueueAveragely } from "./allocate_message_queue_averagely.ts";
import { AllocateMessageQueueAveragelyByCircle } from "./allocate_message_queue_averagely_by_circle.ts";
import { AllocateMessageQueueByConfig } from "./allocate_message_queue_by_config.ts";
import { AllocateMessageQueueByMachineRoom } from "./allocate_message_queue_by_machine_room.ts";
import { AllocateMessageQueueConsistentHash } from "./allocate_message_queue_consistent_hash.ts";
import {
  AllocateArgumentError,
  type AllocateMessageQueueStrategy,
  requireAllocateStrategy,
} from "./allocate_message_queue_strategy.ts";
import { ConsistentHashRouter, md5Hash } from "./consistent_hash_router.ts";

// Expected tables were computed by an independent implementation of RocketMQ's definitions
// (features.md §8; MD5 over UTF-8, first 4 bytes unsigned big-endian) and are listed as indexes
// into the sorted queue list, one row per client in sorted client-id order.

const CIDS = [
  "192.168.0.1@1#100",
  "192.168.0.2@2#200",
  "192.168.0.3@3#300",
  "192.168.0.4@4#400",
  "192.168.0.5@5#500",
];

function queues(spec: [string, string, number][]): MessageQueue[] {
  const out: MessageQueue[] = [];
  for (const [topic, brokerName, n] of spec) {
    for (let queueId = 0; queueId < n; queueId++) out.push({ topic, brokerName, queueId });
  }
  return out.sort(compareMessageQueue);
}

interface Case {
  mqs: MessageQueue[];
  clients: number;
  avg: number[][];
  circle: number[][];
  chash: number[][];
  chash3: number[][];
}

const TWO_BROKERS_4 = queues([["TopicTest", "broker-a", 4], ["TopicTest", "broker-b", 4]]);
const CASES: Record<string, Case> = {
  "8 queues, 3 clients": {
    mqs: TWO_BROKERS_4,
    clients: 3,
    avg: [[0, 1, 2], [3, 4, 5], [6, 7]],
    circle: [[0, 3, 6], [1, 4, 7], [2, 5]],
    chash: [[2, 5], [0, 1, 3, 4, 6], [7]],
    chash3: [[1, 2, 3, 5], [0, 4, 6], [7]],
  },
  "8 queues, 1 client": {
    mqs: TWO_BROKERS_4,
    clients: 1,
    avg: [[0, 1, 2, 3, 4, 5, 6, 7]],
    circle: [[0, 1, 2, 3, 4, 5, 6, 7]],
    chash: [[0, 1, 2, 3, 4, 5, 6, 7]],
    chash3: [[0, 1, 2, 3, 4, 5, 6, 7]],
  },
  "3 queues, 5 clients": {
    mqs: queues([["TopicTest", "broker-a", 3]]),
    clients: 5,
    avg: [[0], [1], [2], [], []],
    circle: [[0], [1], [2], [], []],
    chash: [[], [], [], [1], [0, 2]],
    chash3: [[2], [], [], [1], [0]],
  },
  "10 queues, 4 clients": {
    mqs: queues([["TopicTest", "broker-a", 5], ["TopicTest", "broker-b", 5]]),
    clients: 4,
    avg: [[0, 1, 2], [3, 4, 5], [6, 7], [8, 9]],
    circle: [[0, 4, 8], [1, 5, 9], [2, 6], [3, 7]],
    chash: [[2, 4, 6], [3, 7], [8], [0, 1, 5, 9]],
    chash3: [[2, 3, 4, 6], [7], [8], [0, 1, 5, 9]],
  },
  "16 queues, 4 clients": {
    mqs: queues([["TopicTest", "broker-a", 8], ["TopicTest", "broker-b", 8]]),
    clients: 4,
    avg: [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]],
    circle: [[0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15]],
    chash: [[2, 4, 9, 13], [3, 5, 10, 15], [6, 7, 11], [0, 1, 8, 12, 14]],
    chash3: [[2, 3, 4, 9, 13, 15], [5, 10], [6, 7, 11], [0, 1, 8, 12, 14]],
  },
};

function indexes(mqs: MessageQueue[], mine: MessageQueue[]): number[] {
  return mine.map((mq) => mqs.indexOf(mq));
}

function checkTable(
  strategy: AllocateMessageQueueStrategy,
  pick: (c: Case) => number[][],
): void {
  for (const [name, c] of Object.entries(CASES)) {
    const cids = CIDS.slice(0, c.clients);
    const got = cids.map((cid) => indexes(c.mqs, strategy.allocate("G", cid, c.mqs, cids)));
    assert.deepEqual(got, pick(c), `${strategy.name}: ${name}`);
    const all = got.flat().sort((a, b) => a - b);
    assert.deepEqual(
      all,
      c.mqs.map((_, i) => i),
      `${strategy.name}: ${name} covers each queue once`,
    );
  }
}

Deno.test("AllocateMessageQueueAveragely matches RocketMQ's blocks", () => {
  checkTable(new AllocateMessageQueueAveragely(), (c) => c.avg);
});

Deno.test("AllocateMessageQueueAveragelyByCircle matches RocketMQ's round-robin", () => {
  checkTable(new AllocateMessageQueueAveragelyByCircle(), (c) => c.circle);
});

Deno.test("AllocateMessageQueueConsistentHash matches RocketMQ's MD5 ring with 10 virtual nodes", () => {
  checkTable(new AllocateMessageQueueConsistentHash(), (c) => c.chash);
});

Deno.test("AllocateMessageQueueConsistentHash honours the virtual node count", () => {
  checkTable(new AllocateMessageQueueConsistentHash(3), (c) => c.chash3);
  const none = new AllocateMessageQueueConsistentHash(0);
  assert.deepEqual(none.allocate("G", CIDS[0], TWO_BROKERS_4, CIDS.slice(0, 2)), []);
  assert.throws(() => new AllocateMessageQueueConsistentHash(-1), /illegal virtualNodeCnt :-1/);
});

Deno.test("md5Hash takes the first four digest bytes unsigned big-endian", () => {
  // MD5("x") = 9dd4e461268c8034f5c8564e155c67a6; MD5("") = d41d8cd98f00b204e9800998ecf8427e
  assert.equal(md5Hash("x"), 0x9dd4e461);
  assert.equal(md5Hash(""), 0xd41d8cd9);
});

Deno.test("ConsistentHashRouter wraps around, replaces collisions and removes nodes", () => {
  const fixed = (key: string) =>
    Number(key.split("-").at(-1)) * 100 + (key.startsWith("a") ? 0 : 50);
  const router = new ConsistentHashRouter(
    [{ key: "a" }, { key: "b" }],
    2,
    (key) => key.startsWith("q") ? Number(key.slice(1)) : fixed(key),
  );
  // ring: a-0 → 0, b-0 → 50, a-1 → 100, b-1 → 150
  assert.equal(router.routeNode("q0")?.key, "a");
  assert.equal(router.routeNode("q51")?.key, "a");
  assert.equal(router.routeNode("q150")?.key, "b");
  assert.equal(router.routeNode("q151")?.key, "a", "past the last position wraps to the first");
  router.addNode({ key: "a" }, 1); // a-2 → 200
  assert.equal(router.existingReplicas({ key: "a" }), 3);
  assert.equal(router.routeNode("q151")?.key, "a");
  const clash = new ConsistentHashRouter([{ key: "a" }, { key: "b" }], 1, () => 7);
  assert.equal(clash.routeNode("anything")?.key, "b", "a later node on the same position wins");
  router.removeNode({ key: "a" });
  assert.equal(router.routeNode("q0")?.key, "b");
  assert.equal(new ConsistentHashRouter([], 10).routeNode("x"), undefined);
});

Deno.test("AllocateMessageQueueByMachineRoom takes only configured rooms, split as Java splits", () => {
  const mqs = queues([
    ["T", "hz@broker-a", 3],
    ["T", "sh@broker-b", 2],
    ["T", "hz@broker-c@", 2], // Java drops the trailing empty part: eligible
    ["T", "broker-d", 2], // no room
    ["T", "hz@x@y", 1], // three parts
    ["T", "bj@broker-e", 3],
  ]);
  const strategy = new AllocateMessageQueueByMachineRoom(["hz", "bj"]);
  const cids = CIDS.slice(0, 3);
  const got = cids.map((cid) => indexes(mqs, strategy.allocate("G", cid, mqs, cids)));
  assert.deepEqual(got, [[0, 1, 8], [2, 5, 9], [6, 7]]);
  assert.equal(strategy.name, "MACHINE_ROOM");
});

Deno.test("AllocateMessageQueueByConfig returns the configured queues whatever the inputs", () => {
  const mine = [{ topic: "T", brokerName: "b", queueId: 5 }];
  const strategy = new AllocateMessageQueueByConfig(mine);
  assert.deepEqual(strategy.allocate("G", "c1", TWO_BROKERS_4, ["c1", "c2"]), mine);
  assert.deepEqual(strategy.allocate("G", "", [], []), mine);
  strategy.messageQueueList = [];
  assert.deepEqual(strategy.allocate("G", "c1", TWO_BROKERS_4, ["c1"]), []);
});

Deno.test("allocation strategies reject empty inputs and skip clients outside the group", () => {
  const strategies = [
    new AllocateMessageQueueAveragely(),
    new AllocateMessageQueueAveragelyByCircle(),
    new AllocateMessageQueueConsistentHash(),
    new AllocateMessageQueueByMachineRoom(["hz"]),
  ];
  for (const s of strategies) {
    assert.throws(() => s.allocate("G", "", TWO_BROKERS_4, ["c1"]), {
      name: AllocateArgumentError.name,
      message: "currentCID is empty",
    });
    assert.throws(
      () => s.allocate("G", "c1", [], ["c1"]),
      /^AllocateArgumentError: mqAll is null or mqAll empty$/,
    );
    assert.throws(() => s.allocate("G", "c1", TWO_BROKERS_4, []), /cidAll is null or cidAll empty/);
    assert.deepEqual(s.allocate("G", "c9", TWO_BROKERS_4, ["c1", "c2"]), [], s.name);
  }
});

Deno.test("requireAllocateStrategy fails with RocketMQ's wording when no strategy is set", () => {
  for (const missing of [null, undefined]) {
    assert.throws(() => requireAllocateStrategy(missing), (error: unknown) => {
      assert.ok(error instanceof MQClientError);
      assert.match(
        error.message,
        /^allocateMessageQueueStrategy is null\nSee https:\/\/rocketmq\.apache\.org\/docs\/bestPractice\/06FAQ for further details\.$/,
      );
      return true;
    });
  }
  const avg = new AllocateMessageQueueAveragely();
  assert.equal(requireAllocateStrategy(avg), avg);
});
