// Compatibility check: drives an EdgeMQ name server + broker with ali-ons, a third-party RocketMQ
// client that speaks the TCP remoting protocol in JavaScript, through produce → consume with a
// clustering consumer group and a tag expression.
//
//   node tests/compat/ali_ons_roundtrip.mjs <namesrv host:port> <topic> [--count 40] [--deadline-ms 60000]
//
// Sends `count` messages in two halves (before and after the consumer starts, so the second half
// arrives through a suspended long-poll pull), alternating tags TagA / TagB / TagC, each with two
// keys. The consumer subscribes with "TagA || TagB"; it must receive every TagA and TagB message
// once with the right body, tags and keys, and no TagC message. Prints one JSON summary line on
// stdout and exits 0; on failure or past the deadline prints the reason on stderr and exits 1.
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Producer, Consumer, Message } = require("ali-ons");
const Channel = require("ali-ons/lib/channel");
const RequestCode = require("ali-ons/lib/protocol/request_code");

/** Request codes ali-ons sends, by name, and the non-zero response codes it gets back. */
const requestCounts = {};
const responseCounts = {};
const codeNames = new Map(Object.entries(RequestCode).map(([name, code]) => [code, name]));
const originalBeforeRequest = Channel.prototype.beforeRequest;
Channel.prototype.beforeRequest = function (command) {
  const name = `${codeNames.get(command.code) ?? "UNKNOWN"}(${command.code})`;
  requestCounts[name] = (requestCounts[name] ?? 0) + 1;
  return originalBeforeRequest.call(this, command);
};
const originalDecode = Channel.prototype.decode;
Channel.prototype.decode = function (body, header) {
  const packet = originalDecode.call(this, body, header);
  if (packet.isResponse && packet.data.code !== 0) {
    const remark = (packet.data.remark ?? "").split("\n")[0];
    const key = `${packet.data.code}:${remark}`.slice(0, 200);
    responseCounts[key] = (responseCounts[key] ?? 0) + 1;
  }
  return packet;
};

function parseArgs(argv) {
  const positional = [];
  const flags = { count: 40, "deadline-ms": 60_000 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--")) {
      flags[argv[i].slice(2)] = Number(argv[i + 1]);
      i++;
    } else positional.push(argv[i]);
  }
  if (positional.length !== 2 || !Number.isInteger(flags.count) || flags.count < 3) {
    throw new Error(
      "Usage: node ali_ons_roundtrip.mjs <namesrv host:port> <topic> [--count N>=3] [--deadline-ms MS]",
    );
  }
  return {
    nameSrv: positional[0],
    topic: positional[1],
    count: flags.count,
    deadlineMs: flags["deadline-ms"],
  };
}

const TAGS = ["TagA", "TagB", "TagC"];
const EXPRESSION = "TagA || TagB";

/**
 * What ali-ons logs or emits on a brand-new consumer group against Apache RocketMQ as well: it
 * looks up the route of the group's %RETRY% topic before its first heartbeat (which is what makes
 * the broker create that topic), and warns when a topic's publish info is replaced.
 */
const BENIGN = [
  /RouteInfoFromNameServer is not exist value %RETRY%/,
  /No topic route info in name server for the topic: %RETRY%/,
  /doRebalance, %s, but the topic\[%s\] not exist\. \S+ %RETRY%/,
  /updateTopicPublishInfo\(\) prev is not null/,
];

/** Sorts a log line or error into `benign` (counted) or `problems` (reported in full). */
function classify(line, sink) {
  if (BENIGN.some((re) => re.test(line))) sink.benign++;
  else sink.problems.push(line);
}

/** Logger handed to ali-ons: keeps warnings and errors for the summary. */
function makeLogger(sink) {
  return {
    info() {},
    debug() {},
    warn: (...args) => classify(`warn: ${args.map(String).join(" ")}`, sink),
    error: (...args) =>
      classify(
        `error: ${args.map((a) => (a instanceof Error ? a.stack : String(a))).join(" ")}`,
        sink,
      ),
  };
}

/** ali-ons asserts an HTTP client exists; with `nameSrv` set it is never called. */
const noHttpClient = {
  request(url) {
    throw new Error(
      `Cannot fetch ${url}: no HTTP client in the compatibility test (nameSrv is set)`,
    );
  },
};

function expectedMessage(i) {
  const tag = TAGS[i % TAGS.length];
  return {
    tag,
    keys: [`key-${i}`, `order-${i % 7}`],
    body: `edgemq compat message ${i} ${"x".repeat(i % 50)}`,
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const sink = { problems: [], benign: 0 };
  const problems = sink.problems;
  const logger = makeLogger(sink);
  const started = Date.now();
  const common = { httpclient: noHttpClient, nameSrv: o.nameSrv, logger };
  const suffix = `${process.pid}_${Date.now()}`;

  const deadline = setTimeout(() => {
    console.error(
      `ali-ons round trip timed out after ${o.deadlineMs} ms: received ${received.size} of ${wanted.size}`,
    );
    for (const p of problems.slice(0, 20)) console.error(p);
    console.error(`requests: ${JSON.stringify(requestCounts)}`);
    console.error(`error responses: ${JSON.stringify(responseCounts)}`);
    process.exit(1);
  }, o.deadlineMs);

  const wanted = new Map(); // body -> expected
  const received = new Map(); // body -> message
  const duplicates = [];
  const unexpected = [];
  const mismatches = [];
  const sendResults = [];
  let sentAll = false;
  let resolveAll;
  const allReceived = new Promise((resolve) => (resolveAll = resolve));

  const producer = new Producer({ ...common, producerGroup: `PG_COMPAT_${suffix}` });
  producer.on("error", (err) => classify(`producer error: ${err.stack}`, sink));
  await producer.ready();

  const send = async (i) => {
    const e = expectedMessage(i);
    const msg = new Message(o.topic, e.tag, e.body);
    msg.keys = e.keys;
    const r = await producer.send(msg);
    assert.equal(r.sendStatus, "SEND_OK", `send ${i} status ${r.sendStatus}`);
    assert.ok(r.msgId, `send ${i} has no msgId`);
    sendResults.push({
      i,
      queueId: r.messageQueue.queueId,
      queueOffset: r.queueOffset,
      msgId: r.msgId,
    });
    if (e.tag !== "TagC") wanted.set(e.body, e);
  };

  const half = Math.floor(o.count / 2);
  for (let i = 0; i < half; i++) await send(i);

  const consumer = new Consumer({
    ...common,
    consumerGroup: `CG_COMPAT_${suffix}`,
    // ali-ons' default CONSUME_FROM_LAST_OFFSET: a new group still reads the first half, because
    // a RocketMQ broker answers QUERY_CONSUMER_OFFSET with 0 while a queue's start is in memory.
    pullBatchSize: 8,
    parallelConsumeLimit: 4,
    brokerSuspendMaxTimeMillis: 3_000,
    consumerTimeoutMillisWhenSuspend: 6_000,
    persistConsumerOffsetInterval: 500,
  });
  consumer.on("error", (err) => classify(`consumer error: ${err.stack}`, sink));
  await consumer.ready();
  // ali-ons awaits the handler's promise before it commits the message's offset.
  // deno-lint-ignore require-await
  consumer.subscribe(o.topic, EXPRESSION, async (msg) => {
    const body = msg.body.toString();
    const e = wanted.get(body) ?? expectedMessage(Number(/message (\d+)/.exec(body)?.[1]));
    if (msg.tags === "TagC" || e.tag === "TagC") unexpected.push(`${msg.tags}:${body}`);
    else if (received.has(body)) duplicates.push(body);
    else {
      // Recorded, not thrown: a throw makes ali-ons send the message back for a retry.
      const got = { tags: msg.tags, keys: msg.keys, topic: msg.topic };
      const want = { tags: e.tag, keys: e.keys.join(" "), topic: o.topic };
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        mismatches.push(`"${body}": got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      }
      received.set(body, {
        queueId: msg.queueId,
        queueOffset: Number(msg.queueOffset),
        msgId: msg.msgId,
      });
    }
    if (received.size === expectedReceivable(o.count) && sentAll) resolveAll();
  });

  // Second half after the consumer is up: these reach it through long-polling pulls.
  for (let i = half; i < o.count; i++) await send(i);
  sentAll = true;
  if (received.size === expectedReceivable(o.count)) resolveAll();
  await allReceived;

  assert.equal(mismatches.length, 0, `fields differ: ${mismatches.join("; ")}`);
  assert.equal(duplicates.length, 0, `delivered twice: ${duplicates.join(", ")}`);
  assert.equal(unexpected.length, 0, `tag filter let through: ${unexpected.join(", ")}`);
  assert.equal(received.size, wanted.size, "every TagA/TagB message received");
  const queues = new Set(sendResults.map((r) => r.queueId));
  // Let the consumer commit its offsets (UPDATE_CONSUMER_OFFSET) before closing.
  await consumer.close();
  await producer.close();
  clearTimeout(deadline);
  process.stdout.write(
    JSON.stringify({
      ok: true,
      client: "ali-ons",
      topic: o.topic,
      sent: sendResults.length,
      expected: wanted.size,
      received: received.size,
      filteredOut: o.count - wanted.size,
      duplicates: duplicates.length,
      queues: queues.size,
      ms: Date.now() - started,
      requestCodes: requestCounts,
      errorResponses: responseCounts,
      benignWarnings: sink.benign,
      problems,
    }) + "\n",
  );
  process.exit(0);
}

function expectedReceivable(count) {
  let n = 0;
  for (let i = 0; i < count; i++) if (TAGS[i % TAGS.length] !== "TagC") n++;
  return n;
}

main().catch((err) => {
  console.error(`ali-ons round trip failed: ${err.stack ?? err}`);
  process.exit(1);
});
