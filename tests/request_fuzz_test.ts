/**
 * Property-based fuzz of every request code the broker and the name server register: random and
 * adversarial extFields and bodies, in JSON and ROCKETMQ header serialization, against a real
 * in-process broker + name server. Each case must get a response in time (oneway: none needed),
 * never an internal-error SYSTEM_ERROR (a JS TypeError / RangeError... that escaped a processor),
 * never a dropped connection, and the same connection must still serve a normal request
 * afterwards. At the end the store must still append and read back the sentinel messages sent
 * before the fuzz.
 *
 * Seeded and bounded: `FUZZ_RUNS` cases per server (default 300), `FUZZ_SEED` (default 20240611).
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { z } from "zod";
import { startTestBroker } from "./broker_test_env.ts";
import { decodeRecords, TestBrokerClient } from "./broker_test_client.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createRequest, type RemotingCommand } from "../protocol/remoting_command.ts";
import { RequestCode, requestCodeName } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import * as headers from "../protocol/headers/mod.ts";

const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? "300");
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? "20240611");
const RESPONSE_BOUND_MS = 4000;
const LIVE_TOPIC = "FuzzLiveTopic";
const SENTINEL_TOPIC = "FuzzSentinelTopic";
const enc = new TextEncoder();

// ------------------------------------------------------------------------------------------------
// arbitraries
// ------------------------------------------------------------------------------------------------

/** Every header field name any schema reads, plus hostile names. */
const FIELD_NAMES: string[] = (() => {
  const names = new Set<string>();
  for (const value of Object.values(headers) as unknown[]) {
    if (value instanceof z.ZodObject) {
      for (const key of Object.keys(value.shape)) names.add(key);
    }
  }
  for (const key of ["__proto__", "constructor", "toString", "hasOwnProperty", "", "ü🚀"]) {
    names.add(key);
  }
  return [...names].sort();
})();

const VALUE: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    "0",
    "1",
    "-1",
    "2",
    "3",
    "4",
    "6",
    "true",
    "false",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e3",
    "0x10",
    " 1",
    "1.5",
    "+7",
    "-0",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "99999999999999999999999999",
    "null",
    "undefined",
    "__proto__",
    "constructor",
    "FuzzTopic",
    "TBW102",
    "%RETRY%FuzzGroup",
    "%DLQ%FuzzGroup",
    "RMQ_SYS_TRACE_TOPIC",
    "SCHEDULE_TOPIC_XXXX",
    "FuzzGroup",
    "broker-test",
    "DefaultCluster",
    "127.0.0.1:1",
    "0A0A0A0A00002A9F0000000000000000",
    "7F00000100002A9F0000000000000000",
    "*",
    "TagA || TagB",
    "a=b&c",
    "TAG",
    "SQL92",
    "SINGLE_TAG",
    "{}",
    "[]",
    '{"a":1}',
    "\u0000",
    "\uFFFF",
    "\uD800",
    "ü🚀中文",
    "../../etc/passwd",
    "a\u0001b\u0002c",
  ),
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(1_000, 70_000).map((n) => "x".repeat(n)),
);

const NUMERIC = new Set(
  ("beginTimestamp endTimestamp subVersion timestamp bornTimestamp brokerId commitLogOffset " +
    "commitOffset g heartbeatTimeoutMillis index indexLastUpdatePhyoffset indexLastUpdateTimestamp " +
    "maxOffset minOffset nextBeginOffset offset offsetDelta queueOffset suggestWhichBrokerId " +
    "suspendTimeoutMillis tranStateTableOffset addTopicCount bodyCrc32 commitOrRollback count d " +
    "defaultTopicQueueNums delayLevel e f flag forbiddenType groupSysFlag h j l maxMsgBytes " +
    "maxMsgNums maxNum maxReconsumeTimes maxTopicNum perm queueId readQueueNums reconsumeTimes " +
    "requestSource sysFlag topicSeq topicSysFlag wipeTopicCount writeQueueNums").split(" "),
);
const BOOLEAN = new Set(
  ("acceptStandardJsonOnly batch changed cleanOffset committed compressed enableActingMaster " +
    "force fromTransactionCheck isForce isOrder jstackEnable k lo m offline order removeOffset " +
    "setZeroIfNotFound unitMode").split(" "),
);
const VALID_STRINGS: Record<string, string> = {
  a: "FuzzProducerGroup",
  b: "FuzzTopic",
  c: "TBW102",
  i: "",
  topic: "FuzzTopic",
  defaultTopic: "TBW102",
  originTopic: "FuzzTopic",
  topicList: "FuzzTopic",
  consumerGroup: "FuzzGroup",
  producerGroup: "FuzzProducerGroup",
  group: "FuzzGroup",
  groupName: "FuzzGroup",
  srcGroup: "FuzzGroup",
  destGroup: "FuzzGroup2",
  brokerName: "FuzzBroker",
  bname: "broker-test",
  clusterName: "FuzzCluster",
  cluster: "DefaultCluster",
  brokerAddr: "127.0.0.1:1",
  haServerAddr: "127.0.0.1:1",
  masterAddr: "127.0.0.1:1",
  clientAddr: "127.0.0.1:1",
  clientId: "127.0.0.1@fuzz",
  clientID: "127.0.0.1@fuzz",
  namespace: "FuzzNS",
  key: "k",
  value: "v",
  subscription: "*",
  expressionType: "TAG",
  statsName: "TOPIC_PUT_NUMS",
  statsKey: "FuzzTopic",
  topicFilterType: "SINGLE_TAG",
  msgId: "7F00000100002A9F0000000000000000",
  offsetMsgId: "7F00000100002A9F0000000000000000",
  originMsgId: "7F00000100002A9F0000000000000000",
};

/** A value each field's schema accepts, so mutations reach past header decoding. */
function validValue(name: string): string {
  if (NUMERIC.has(name)) return name === "perm" ? "6" : /QueueNums$/.test(name) ? "4" : "0";
  if (BOOLEAN.has(name)) return "false";
  return VALID_STRINGS[name] ?? "x";
}

const EXT_FIELDS: fc.Arbitrary<Record<string, string> | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 6,
    arbitrary: fc.tuple(
      fc.boolean(),
      fc.array(fc.constantFrom(...FIELD_NAMES), { maxLength: 3 }),
      fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES), VALUE), { maxLength: 6 }),
    ).map(
      ([fromValid, dropped, overrides]) => {
        const entries: [string, string][] = fromValid
          ? FIELD_NAMES.filter((k) => k !== "" && !k.startsWith("_") && !dropped.includes(k))
            .filter((k) => !["constructor", "toString", "hasOwnProperty", "ü🚀"].includes(k))
            .map((k) => [k, validValue(k)])
          : [];
        entries.push(...overrides);
        const fields: Record<string, string> = {};
        for (const [k, v] of entries) {
          Object.defineProperty(fields, k, {
            value: v,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return fields;
      },
    ),
  },
);

const JSON_VALUE = fc.jsonValue({ maxDepth: 4 });

const BODY: fc.Arbitrary<{ kind: string; text?: string; bytes?: number[] } | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant({ kind: "empty", text: "" }),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ kind: "bytes", bytes: [...b] })),
  fc.constantFrom(
    "{",
    "}",
    "[",
    "nul",
    '{"a":',
    "{'a':1}",
    '{"a":1,}',
    "\u0000\u0001",
    "NaN",
    "-",
    '"\\ud800"',
    "{a:1}",
    // fastjson-ish: non-string keys, bare object keys
    '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5}}',
    '{"offsetTable":{{"brokerName":"broker-test","queueId":-1,"topic":"FuzzTopic"}:-5}}',
    '{"topicConfigTable":{"T":{}},"dataVersion":{"counter":1,"timestamp":1}}',
    '{"topicConfigTable":{"__proto__":{"topicName":"x"}},"dataVersion":{}}',
    '{"subscriptionGroupTable":{"__proto__":{}}}',
    '{0:"a",1:{"topic":"T"}}',
    '{"mqSet":[{"topic":"FuzzTopic","brokerName":"broker-test","queueId":"x"}],"consumerGroup":1}',
    '{"mqSet":null,"clientId":null}',
    '{"clientID":null,"consumerDataSet":[{"groupName":null,"subscriptionDataSet":[null]}]}',
    '{"clientID":"c","consumerDataSet":[{"groupName":"FuzzGroup","subscriptionDataSet":[{"topic":"FuzzTopic","subString":"(","expressionType":"SQL92"}]}]}',
    '{"clientID":"c","producerDataSet":[{"groupName":""}],"consumerDataSet":"x"}',
    '{"groupName":"","consumeEnable":"yes","retryQueueNums":-1,"brokerId":"NaN"}',
    '{"groupName":"FuzzGroup","retryMaxTimes":1e300,"retryQueueNums":99999999}',
    '{"topicName":"FuzzTopic","readQueueNums":-1,"writeQueueNums":1e9,"perm":99}',
    '{"topicConfigSerializeWrapper":null}',
    "a=b\nc\n=d\n\\u12",
    "flushDiskType=WRONG\n",
    "msgTraceTopicName=\n",
    "__proto__=1\nconstructor=2\n",
  ).map((text) => ({ kind: "text", text })),
  JSON_VALUE.map((v) => ({ kind: "json", text: JSON.stringify(v) })),
  fc.constantFrom(1_000, 20_000).map((n) => ({
    kind: "deep",
    text: "[".repeat(n) + "]".repeat(n),
  })),
  fc.constantFrom(1_000, 20_000).map((n) => ({
    kind: "deepObj",
    text: '{"a":'.repeat(n) + "1" + "}".repeat(n),
  })),
);

interface FuzzCase {
  code: number;
  serializeType: "JSON" | "ROCKETMQ";
  extFields: Record<string, string> | undefined;
  body: { kind: string; text?: string; bytes?: number[] } | undefined;
  oneway: boolean;
}

function caseArbitrary(codes: number[]): fc.Arbitrary<FuzzCase> {
  return fc.record({
    code: fc.constantFrom(...codes),
    serializeType: fc.constantFrom("JSON" as const, "ROCKETMQ" as const),
    extFields: EXT_FIELDS,
    body: BODY,
    // one case in ten is oneway: no response is due, the connection must survive it
    oneway: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  });
}

function bodyBytes(body: FuzzCase["body"]): Uint8Array | undefined {
  if (body === undefined) return undefined;
  if (body.bytes !== undefined) return new Uint8Array(body.bytes);
  return enc.encode(body.text ?? "");
}

/** A short, reproducible description of a case (long values elided). */
function describe(c: FuzzCase): string {
  const ext = c.extFields === undefined ? "none" : JSON.stringify(
    Object.fromEntries(
      Object.getOwnPropertyNames(c.extFields).map((k) => {
        const v = c.extFields![k];
        return [k, v.length > 80 ? `<${v.length} × ${JSON.stringify(v[0])}>` : v];
      }),
    ),
  );
  const b = c.body === undefined
    ? "none"
    : c.body.bytes !== undefined
    ? `bytes[${c.body.bytes.join(",")}]`
    : c.body.text!.length > 120
    ? `${c.body.kind}<${c.body.text!.length} chars: ${c.body.text!.slice(0, 30)}…>`
    : JSON.stringify(c.body.text);
  return `${c.code} ${requestCodeName(c.code)} ${c.serializeType}${
    c.oneway ? " oneway" : ""
  } ext=${ext} body=${b}`;
}

// ------------------------------------------------------------------------------------------------
// oracles
// ------------------------------------------------------------------------------------------------

/** A SYSTEM_ERROR remark that is a JS exception text: an internal throw, not a coded refusal. */
const INTERNAL_ERROR =
  /^(TypeError|RangeError|ReferenceError|SyntaxError|AssertionError|Error|InternalError|EvalError|URIError|AggregateError)\b|is not a function|is not iterable|Cannot read prop|Cannot set prop|Cannot convert|Maximum call stack|\[object Object\]/;

interface Finding {
  kind: string;
  detail: string;
  case: string;
  size: number;
}

async function withBound<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`bound ${ms} ms exceeded: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Codes whose request body is a required JSON document: random bytes, an empty body or a document
 * nested beyond any real one must not be answered SUCCESS.
 */
const JSON_BODY_CODES = new Set<number>([
  RequestCode.HEART_BEAT,
  RequestCode.LOCK_BATCH_MQ,
  RequestCode.UNLOCK_BATCH_MQ,
  RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
  RequestCode.REGISTER_BROKER,
  RequestCode.REGISTER_TOPIC_IN_NAMESRV,
]);

/** Of those, the codes RocketMQ also refuses with an empty body (REGISTER_* accept one). */
const EMPTY_BODY_REFUSED = new Set<number>([
  RequestCode.HEART_BEAT,
  RequestCode.LOCK_BATCH_MQ,
  RequestCode.UNLOCK_BATCH_MQ,
  RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
]);

function isHeldPull(c: FuzzCase): boolean {
  // A PULL with the suspend flag may legitimately hold until its suspend timeout.
  return (c.code === RequestCode.PULL_MESSAGE || c.code === RequestCode.LITE_PULL_MESSAGE);
}

// ------------------------------------------------------------------------------------------------
// the test
// ------------------------------------------------------------------------------------------------

const CANDIDATE_CODES: number[] = (() => {
  const codes = new Set<number>();
  for (let code = 0; code <= 420; code++) codes.add(code);
  for (const value of Object.values(RequestCode)) if (typeof value === "number") codes.add(value);
  return [...codes].sort((a, b) => a - b);
})();

Deno.test({
  name: "fuzz: every broker and name server request code survives adversarial headers and bodies",
  async fn() {
    const env = await startTestBroker({ withNamesrv: true });
    const transport = new DenoTcpTransport();
    const clients: TestBrokerClient[] = [];
    const findings: Finding[] = [];
    const summary: string[] = [];
    // The test loggers print only errors: an error line is a throw no processor turned into a
    // coded refusal. Collected (bounded) and attributed to the case in flight.
    const errorLines: string[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => {
      if (errorLines.length < 1000) errorLines.push(args.map(String).join(" ").slice(0, 300));
    };
    try {
      const open = (address: string, type: "JSON" | "ROCKETMQ") => {
        const c = new TestBrokerClient(transport, address, type);
        c.timeoutMs = RESPONSE_BOUND_MS;
        clients.push(c);
        return c;
      };
      const broker = { JSON: open(env.address, "JSON"), ROCKETMQ: open(env.address, "ROCKETMQ") };
      const ns = {
        JSON: open(env.namesrvAddr!, "JSON"),
        ROCKETMQ: open(env.namesrvAddr!, "ROCKETMQ"),
      };
      const control = open(env.address, "JSON");

      // Sentinel messages: must read back intact at the end.
      const sentinels: string[] = [];
      for (let i = 0; i < 5; i++) {
        const body = `sentinel-${i}-ü🚀`;
        const r = await control.send(SENTINEL_TOPIC, body, { queueId: 0 });
        assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
        sentinels.push(body);
      }
      {
        const r = await control.send(LIVE_TOPIC, "live");
        assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
      }
      {
        const r = await ns.JSON.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: LIVE_TOPIC });
        assert.equal(r.code, ResponseCode.SUCCESS, `route of ${LIVE_TOPIC}: ${r.remark}`);
      }

      // Connection drops: any close of a fuzzing client's connection.
      let closes = 0;
      for (const c of [broker.JSON, broker.ROCKETMQ, ns.JSON, ns.ROCKETMQ]) {
        c.remoting.on("close", () => closes++);
      }

      const record = (kind: string, detail: string, c: FuzzCase) => {
        const text = describe(c);
        findings.push({ kind, detail, case: text, size: text.length });
      };

      // Discover the registered codes (the probe is itself a case: no fields, no body).
      const registered = async (clientsOf: typeof broker) => {
        const codes: number[] = [];
        for (const code of CANDIDATE_CODES) {
          const probe: FuzzCase = {
            code,
            serializeType: "JSON",
            extFields: undefined,
            body: undefined,
            oneway: false,
          };
          const r = await withBound(
            clientsOf.JSON.invoke(createRequest(code, { language: "JAVA", version: 409 })),
            RESPONSE_BOUND_MS + 1000,
            `probe ${code}`,
          ).catch((e: Error) => {
            record("no response", e.message, probe);
            return undefined;
          });
          if (r === undefined) {
            if (!isHeldPull(probe)) codes.push(code);
            continue;
          }
          if (r.code === ResponseCode.REQUEST_CODE_NOT_SUPPORTED) continue;
          codes.push(code);
          if (r.code === ResponseCode.SYSTEM_ERROR && INTERNAL_ERROR.test(r.remark ?? "")) {
            record("internal error", r.remark ?? "", probe);
          }
        }
        return codes;
      };
      const brokerCodes = await registered(broker);
      const nsCodes = await registered(ns);
      summary.push(`broker codes (${brokerCodes.length}): ${brokerCodes.join(",")}`);
      summary.push(`namesrv codes (${nsCodes.length}): ${nsCodes.join(",")}`);
      assert(brokerCodes.length >= 40, summary.join("\n"));
      assert(nsCodes.length >= 10, summary.join("\n"));

      const successes = new Map<string, number>();
      const remarks = new Map<string, number>();
      const liveness = {
        broker: async (c: TestBrokerClient) => {
          const r = await c.send(LIVE_TOPIC, "live");
          return r.code === ResponseCode.SUCCESS
            ? undefined
            : `SEND_MESSAGE: ${r.code} ${r.remark}`;
        },
        ns: async (c: TestBrokerClient) => {
          const r = await c.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: LIVE_TOPIC });
          return r.code === ResponseCode.SUCCESS
            ? undefined
            : `GET_ROUTEINFO_BY_TOPIC: ${r.code} ${r.remark}`;
        },
      };

      const runServer = async (
        name: "broker" | "ns",
        codes: number[],
        clientsOf: typeof broker,
        seed: number,
      ) => {
        await fc.assert(
          fc.asyncProperty(caseArbitrary(codes), async (c) => {
            const client = clientsOf[c.serializeType];
            const closesBefore = closes;
            const errorsBefore = errorLines.length;
            const request = createRequest(c.code, {
              extFields: c.extFields,
              body: bodyBytes(c.body),
              language: "JAVA",
              version: 409,
              oneway: c.oneway,
            });
            let response: RemotingCommand | undefined;
            try {
              if (c.oneway) {
                await withBound(
                  client.remoting.invokeOneway(client.address, request, RESPONSE_BOUND_MS),
                  RESPONSE_BOUND_MS + 1000,
                  "oneway",
                );
              } else {
                response = await withBound(
                  client.invoke(request, RESPONSE_BOUND_MS),
                  RESPONSE_BOUND_MS + 1000,
                  "invoke",
                );
              }
            } catch (error) {
              const message = error instanceof Error
                ? `${error.name}: ${error.message}`
                : String(error);
              if (!(isHeldPull(c) && /timeout|Timeout/.test(message))) {
                record("no response", message, c);
              }
            }
            if (response !== undefined) {
              if (
                response.code === ResponseCode.SYSTEM_ERROR &&
                INTERNAL_ERROR.test(response.remark ?? "")
              ) {
                record("internal error", `SYSTEM_ERROR ${response.remark}`, c);
              }
              if (response.code !== ResponseCode.SUCCESS) {
                const key = `${response.code} ${(response.remark ?? "").slice(0, 70)}`;
                remarks.set(key, (remarks.get(key) ?? 0) + 1);
              }
              if (response.code === ResponseCode.SUCCESS) {
                const key = `${c.code}/${c.body?.kind ?? "none"}`;
                successes.set(key, (successes.get(key) ?? 0) + 1);
                const garbage = c.body !== undefined && (
                  ["bytes", "deep"].includes(c.body.kind) ||
                  (c.body.kind === "empty" && EMPTY_BODY_REFUSED.has(c.code))
                );
                if (JSON_BODY_CODES.has(c.code) && garbage && c.extFields?.compressed !== "true") {
                  record("success on garbage body", "SUCCESS", c);
                }
              }
            }
            const problem = await withBound(
              liveness[name](client),
              RESPONSE_BOUND_MS + 1000,
              "liveness",
            ).catch((e: Error) => `liveness threw ${e.message}`);
            if (problem !== undefined) record("connection unusable afterwards", problem, c);
            if (closes !== closesBefore) record("connection dropped", "close event", c);
            for (const line of errorLines.slice(errorsBefore)) {
              record("server logged an error", line.replace(/127\.0\.0\.1:\d+/g, "<peer>"), c);
            }
            return true;
          }),
          { seed, numRuns: RUNS, endOnFailure: true },
        );
      };
      await runServer("broker", brokerCodes, broker, SEED);
      await runServer("ns", nsCodes, ns, SEED + 1);

      // The store still appends and reads; the sentinels are intact.
      {
        const r = await control.send(SENTINEL_TOPIC, "after-fuzz", { queueId: 0 });
        assert.equal(r.code, ResponseCode.SUCCESS, `store append after fuzz: ${r.remark}`);
        sentinels.push("after-fuzz");
        const hb = await control.heartbeat("127.0.0.1@fuzz-sentinel", "FuzzSentinelGroup", {
          [SENTINEL_TOPIC]: "*",
        });
        assert.equal(hb.code, ResponseCode.SUCCESS, `heartbeat after fuzz: ${hb.remark}`);
        const pulled = await control.pull({
          group: "FuzzSentinelGroup",
          topic: SENTINEL_TOPIC,
          queueId: 0,
          queueOffset: 0,
          maxMsgNums: 32,
          sysFlag: 0,
          suspendTimeoutMillis: 0,
        });
        assert.equal(pulled.code, ResponseCode.SUCCESS, `pull after fuzz: ${pulled.remark}`);
        const bodies = decodeRecords(pulled.body).map((m) => new TextDecoder().decode(m.body));
        assert.deepEqual(bodies, sentinels, "sentinel messages lost or corrupted");
      }

      summary.push(
        `error remarks:\n${[...remarks].sort().map(([k, v]) => `  ${v}× ${k}`).join("\n")}`,
      );
      summary.push(
        `successes (code/bodyKind → count): ${
          [...successes].sort().map(([k, v]) => `${k}:${v}`).join(" ")
        }`,
      );
    } finally {
      console.error = consoleError;
      for (const c of clients) await c.close();
      await env.close();
    }
    if (Deno.env.get("FUZZ_VERBOSE") !== undefined) console.log(summary.join("\n"));
    // Report the smallest case per (kind, code).
    const smallest = new Map<string, Finding>();
    for (const f of findings) {
      const key = `${f.kind} ${f.case.split(" ")[0]} ${f.detail.slice(0, 40)}`;
      const prev = smallest.get(key);
      if (prev === undefined || f.size < prev.size) smallest.set(key, f);
    }
    const report = [...smallest.values()].map((f) => `[${f.kind}] ${f.detail}\n    ${f.case}`);
    assert.equal(report.length, 0, `fuzz findings:\n${report.join("\n")}`);
  },
});

Deno.test("fuzz finding: CONSUME_MESSAGE_DIRECTLY refuses a malformed msgId as bad input", async () => {
  const env = await startTestBroker({ withNamesrv: false });
  const errorLines: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => void errorLines.push(args.map(String).join(" "));
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address, "JSON");
  try {
    const r = await client.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, {
      consumerGroup: "G",
      clientId: "c",
      msgId: "zz",
    });
    assert.notEqual(r.code, ResponseCode.SUCCESS);
    assert.doesNotMatch(r.remark ?? "", /^[A-Za-z]*Error: /, "an exception text as the remark");
    assert.deepEqual(errorLines, [], "bad input logged as a broker failure");
  } finally {
    console.error = consoleError;
    await client.close();
    await env.close();
  }
});
