/**
 * Delayed messages across broker kills (from helper-131's review): a broker in a child process
 * takes delayed sends (levels 1 s, 2 s, 3 s; one queue per level) and is killed with SIGKILL at a
 * seeded moment, either while the sends are answered or after some deliveries; four times, then
 * a last start delivers the rest. Every delayed message acknowledged SEND_OK reaches its real
 * topic and queue (DELAY gone, REAL_TOPIC and REAL_QID kept), and per level the first deliveries
 * come in send order; duplicates are allowed (delivery offsets are persisted every 200 ms).
 * Env SCHEDULE_CRASH_SEEDS: seeds to run (default `1,2`).
 */

import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { SeededRandom } from "../../store/_test_messages.ts";
import { decodeRecords, TestBrokerClient } from "../../tests/broker_test_client.ts";
import { spawnBroker, type SpawnedMain } from "../../tests/broker_test_env.ts";

const TOPIC = "TopicDelayCrash";
const GROUP = "G_DELAY_CRASH";
const LEVELS = 3;
const KILLS = 4;
/** Sends per cycle: SENDS_MIN up to twice that. */
const SENDS_MIN = 40;
const DELIVERY_DEADLINE_MS = 20_000;

interface Acked {
  readonly body: string;
  readonly level: number;
  readonly queueOffset: number;
}

interface Delivered {
  readonly body: string;
  readonly queueId: number;
  readonly properties: ReadonlyMap<string, string>;
}

async function startBroker(
  dir: string,
): Promise<{ broker: SpawnedMain; client: TestBrokerClient }> {
  const { process, address } = await spawnBroker({
    dir,
    mappedFileSizeCommitLog: 16 * 1024 * 1024,
    properties: { messageDelayLevel: "1s 2s 3s", flushDelayOffsetInterval: "200" },
  });
  return { broker: process, client: new TestBrokerClient(new DenoTcpTransport(), address) };
}

/** Pulls every level's queue of TOPIC once from `next` on (long polling), adding what comes. */
async function pullOnce(
  client: TestBrokerClient,
  next: number[],
  into: Delivered[],
  suspendMs: number,
): Promise<void> {
  const heartbeat = await client.heartbeat("127.0.0.1@crash", GROUP, { [TOPIC]: "*" });
  assert.equal(heartbeat.code, ResponseCode.SUCCESS, heartbeat.remark);
  await Promise.all(next.map(async (offset, queueId) => {
    const response = await client.pull({
      group: GROUP,
      topic: TOPIC,
      queueId,
      queueOffset: offset,
      maxMsgNums: 32,
      suspendTimeoutMillis: suspendMs,
    });
    if (response.code !== ResponseCode.SUCCESS) return;
    for (const record of decodeRecords(response.body)) {
      const body = new TextDecoder().decode(record.body);
      into.push({ body, queueId: record.queueId, properties: record.properties });
    }
    next[queueId] = Number(response.extFields!.nextBeginOffset);
  }));
}

/** One broker life: delayed sends, then a kill while they are answered or after deliveries. */
async function cycle(dir: string, index: number, random: SeededRandom, acked: Acked[]) {
  const { broker, client } = await startBroker(dir);
  try {
    const count = SENDS_MIN + random.int(0, SENDS_MIN);
    const killAfter = random.int(0, 2) === 0 ? random.int(0, count) : -1;
    let answered = 0;
    let killed: Promise<number> | undefined;
    const sends = Array.from({ length: count }, async (_, i) => {
      const level = random.int(1, LEVELS + 1);
      const body = `c${index}-m${i}-l${level}`;
      const properties = { DELAY: String(level) };
      // A send whose connection died with the broker is not acknowledged.
      const answer = await client.send(TOPIC, body, { queueId: level - 1, properties })
        .catch((error: Error) => error);
      if (!(answer instanceof Error) && answer.code === ResponseCode.SUCCESS) {
        acked.push({ body, level, queueOffset: Number(answer.extFields!.queueOffset) });
      }
      if (++answered === killAfter) killed = broker.kill();
    });
    await Promise.all(sends);
    if (killed === undefined) {
      const seen: Delivered[] = [];
      const next = new Array(LEVELS).fill(0);
      const wanted = random.int(0, 2) === 0 ? 1 : random.int(0, count);
      const mine = () => seen.filter((d) => d.body.startsWith(`c${index}-`)).length;
      for (let round = 0; round < 200 && mine() < wanted; round++) {
        await pullOnce(client, next, seen, 1000);
      }
      killed = broker.kill();
    }
    await killed;
  } finally {
    await client.close();
    await broker.kill().catch(() => undefined);
  }
}

/** @returns whether every level's delivery offset reached the end of its schedule queue */
async function allDelivered(client: TestBrokerClient): Promise<boolean> {
  // fastjson's form, with bare integer keys: {"offsetTable":{1:5,2:7}}
  const offsets = new TextDecoder().decode(
    (await client.call(RequestCode.GET_ALL_DELAY_OFFSET, {})).body,
  );
  for (let queueId = 0; queueId < LEVELS; queueId++) {
    const max = await client.call(RequestCode.GET_MAX_OFFSET, {
      topic: "SCHEDULE_TOPIC_XXXX",
      queueId: String(queueId),
    });
    const end = Number(max.extFields?.offset ?? 0);
    const delivered = Number(new RegExp(`[{,]${queueId + 1}:(\\d+)`).exec(offsets)?.[1] ?? 0);
    if (end > 0 && delivered < end) return false;
  }
  return true;
}

function checkDelivered(acked: readonly Acked[], delivered: readonly Delivered[]): void {
  const bodies = new Set(delivered.map((d) => d.body));
  const lost = acked.filter((a) => !bodies.has(a.body)).map((a) => a.body);
  assert.deepEqual(
    lost,
    [],
    `${lost.length} of ${acked.length} acknowledged delayed messages lost`,
  );
  const byBody = new Map(acked.map((a) => [a.body, a]));
  for (const d of delivered) {
    const a = byBody.get(d.body);
    if (a === undefined) continue; // stored though never acknowledged: allowed
    assert.equal(d.queueId, a.level - 1, `${d.body}: queue`);
    assert.equal(d.properties.get("DELAY"), undefined, `${d.body}: DELAY left`);
    assert.equal(d.properties.get("REAL_TOPIC"), TOPIC, `${d.body}: REAL_TOPIC`);
    assert.equal(d.properties.get("REAL_QID"), String(a.level - 1), `${d.body}: REAL_QID`);
  }
  for (let level = 1; level <= LEVELS; level++) {
    const sent = acked.filter((a) => a.level === level)
      .sort((x, y) => x.queueOffset - y.queueOffset).map((a) => a.body);
    const firsts = [...new Set(delivered.filter((d) => d.queueId === level - 1).map((d) => d.body))]
      .filter((body) => sent.includes(body));
    assert.deepEqual(firsts, sent, `level ${level}: first deliveries in send order`);
  }
}

const SEEDS = (Deno.env.get("SCHEDULE_CRASH_SEEDS") ?? "1,2").split(",").map(Number);

for (const seed of SEEDS) {
  Deno.test(`delayed messages acknowledged SEND_OK are delivered across SIGKILLs (seed ${seed})`, async () => {
    const random = new SeededRandom(seed);
    const dir = await Deno.makeTempDir({ prefix: "edgemq_delay_crash_" });
    const acked: Acked[] = [];
    try {
      for (let index = 0; index < KILLS; index++) await cycle(dir, index, random, acked);
      const { broker, client } = await startBroker(dir);
      const delivered: Delivered[] = [];
      try {
        const next = new Array(LEVELS).fill(0);
        const deadline = Date.now() + DELIVERY_DEADLINE_MS;
        const missing = () => acked.some((a) => !delivered.some((d) => d.body === a.body));
        while (Date.now() < deadline && (missing() || !(await allDelivered(client)))) {
          await pullOnce(client, next, delivered, 1000);
        }
        await pullOnce(client, next, delivered, 300);
      } finally {
        await client.close();
        await broker.stop();
      }
      checkDelivered(acked, delivered);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
