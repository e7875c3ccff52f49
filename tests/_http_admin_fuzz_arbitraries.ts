/**
 * Arbitraries and raw-TCP cases of the HTTP admin fuzz (`http_admin_fuzz_test.ts`): adversarial
 * path segments, query strings, content types, JSON-ish bodies and methods per route, and raw
 * HTTP/1.1 requests `fetch` cannot send (framing lies, truncated bodies, unnormalized paths).
 *
 * @module
 */

import fc from "fast-check";

/** A topic the fuzz produces to before it starts. */
export const LIVE_TOPIC = "FuzzLiveTopic";

// ------------------------------------------------------------------------------------------------
// arbitraries
// ------------------------------------------------------------------------------------------------

const SEGMENT: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      LIVE_TOPIC,
      "TBW102",
      "SELF_TEST_TOPIC",
      "RMQ_SYS_TRACE_TOPIC",
      "broker-fuzz",
      "DefaultCluster",
      "SCHEDULE_TOPIC_XXXX",
      "%RETRY%g1",
      "g1",
      "ns",
      "k",
      "ORDER_TOPIC_CONFIG",
      "..",
      ".",
      "%2e%2e",
      "%2F",
      "a%2Fb",
      "%00",
      "%",
      "%zz",
      "%E0%A4%A",
      "%C0%AF",
      "a%20b",
      "ü🚀",
      "%F0%9F%9A%80",
      "__proto__",
      "constructor",
      "toString",
      "0A0000010000277F0000000000000000",
      "7F00000100002A9F0000000000000000",
      "ZZZZ",
      "-1",
      "NaN",
      "a;b",
      "a|b",
      "%25",
    ),
  },
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_%|-]{1,24}$/) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20, unit: "binary" }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 8_000 }).map((n) => "a".repeat(n)) },
);

const VALUE_TEXT = fc.constantFrom(
  "",
  "0",
  "1",
  "-1",
  "6",
  "true",
  "false",
  "NaN",
  "Infinity",
  "1e3",
  "0x10",
  " 1",
  "1.5",
  "-0",
  "2147483647",
  "2147483648",
  "9007199254740993",
  "99999999999999999999999",
  "null",
  "base64",
  "utf-8",
  "UTF-8",
  "SINGLE_TAG",
  "a\u0001b",
  "a\u0002b",
  "ü🚀",
  "\u0000",
  "TBW102",
  LIVE_TOPIC,
);

const QUERY_KEYS = [
  "topic",
  "key",
  "maxNum",
  "begin",
  "end",
  "bodyEncoding",
  "removeOffset",
  "cluster",
  "__proto__",
  "constructor",
  "",
];

const QUERY: fc.Arbitrary<string> = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 6 })),
    fc.oneof(VALUE_TEXT, fc.string({ maxLength: 10 }), fc.nat(8_000).map((n) => "9".repeat(n))),
    fc.boolean(),
  ),
  { maxLength: 5 },
).map((pairs) =>
  pairs.length === 0 ? "" : "?" + pairs
    .map(([k, v, raw]) => raw ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&")
);

export const BROKER_FIELDS = [
  "topic",
  "readQueueNums",
  "writeQueueNums",
  "perm",
  "topicFilterType",
  "topicSysFlag",
  "order",
  "groupName",
  "consumeEnable",
  "retryQueueNums",
  "retryMaxTimes",
  "groupRetryPolicy",
  "brokerId",
  "subscriptionDataSet",
  "attributes",
  "body",
  "bodyEncoding",
  "tags",
  "keys",
  "properties",
  "queueId",
  "producerGroup",
  "defaultTopicQueueNums",
  "traceOn",
  "deleteWhen",
  "fileReservedTime",
  "messageDelayLevel",
  "maxMessageSize",
  "brokerPermission",
  "flushDiskType",
  "configBlackList",
  "brokerName",
  "listenPort",
  "TAGS",
  "KEYS",
  "__proto__",
  "constructor",
];
export const NAMESRV_FIELDS = [
  "value",
  "orderMessageEnable",
  "scanNotActiveBrokerInterval",
  "clusterTest",
  "configBlackList",
  "kvConfigPath",
  "listenPort",
  "rocketmqHome",
  "__proto__",
  "constructor",
  "",
];

const JSON_VALUE: fc.Arbitrary<unknown> = fc.oneof(
  VALUE_TEXT,
  fc.constantFrom(0, 1, -1, 4, 8, 1.5, 1e300, -2147483649, 2 ** 53 + 2, true, false, null),
  fc.constantFrom({}, [], ["k1", "k2"], { a: "b" }, { TAGS: "x" }, [{}], { a: { b: {} } }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom("AAAA", "AA==", "A===", "@@@@", "YQ", "Y Q==", "====").map((b) => b),
);

/** An object body as JSON text, built by hand so `__proto__` and duplicate keys survive. */
function objectBody(fields: string[], base: [string, unknown][]): fc.Arbitrary<string> {
  const extra = fields.length === 0
    ? fc.constant([])
    : fc.array(fc.tuple(fc.constantFrom(...fields), JSON_VALUE), { maxLength: 4 });
  return extra
    .map((pairs) =>
      "{" + [...base, ...pairs].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
        .join(",") +
      "}"
    );
}

/** A valid body per route, which the fuzz then adds fields to (JSON.parse keeps the last). */
const VALID_BASES: [string, unknown][][] = [
  [],
  [["topic", "FuzzT1"]],
  [["topic", "FuzzT2"], ["readQueueNums", 2], ["writeQueueNums", 2]],
  [["groupName", "g1"]],
  [["body", "hello"]],
  [["body", "aGk="], ["bodyEncoding", "base64"], ["keys", ["k1"]], ["tags", "t"]],
  [["traceOn", false]],
  [["value", "v"]],
  [["orderMessageEnable", true]],
];

function bodyArb(fields: string[]): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constantFrom(...VALID_BASES).chain((b) => objectBody([], b)) },
    { weight: 6, arbitrary: fc.constantFrom(...VALID_BASES).chain((b) => objectBody(fields, b)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "",
        "{",
        "null",
        "[]",
        '"x"',
        "1",
        '{"a":}',
        "\uFEFF{}",
        "{'a':1}",
        "NaN",
        "{}",
        '{"value":"v"}',
        '{"body":"hi"}',
        '{"topic":"FuzzT1"}',
        '{"groupName":"g1"}',
        '{"body":"@@@","bodyEncoding":"base64"}',
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        "\u0000",
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.boolean()).map(([n, arr]) =>
        arr ? "[".repeat(n) + "]".repeat(n) : '{"a":'.repeat(n) + "1" + "}".repeat(n)
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...fields), fc.integer({ min: 10_000, max: 300_000 }))
        .map(([k, n]) => JSON.stringify({ [k]: "x".repeat(n), body: "b" })),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: "binary" }) },
  );
}

const CONTENT_TYPE = fc.option(
  fc.constantFrom(
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=utf-16",
    "",
    "*/*",
    "application/octet-stream",
  ),
  { nil: undefined },
);

const METHOD = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "FOO");

export interface Req {
  method: string;
  path: string;
  contentType?: string;
  body?: string;
}

export function requestArb(routes: string[], fields: string[]): fc.Arbitrary<Req> {
  const route = fc.constantFrom(...routes).map((r) => r.split(" ") as [string, string]);
  return fc.record({
    route: fc.oneof(
      { weight: 4, arbitrary: route },
      { weight: 1, arbitrary: fc.tuple(METHOD, route.map(([, t]) => t)) },
    ),
    segments: fc.array(SEGMENT, { minLength: 3, maxLength: 3 }),
    query: QUERY,
    contentType: CONTENT_TYPE,
    body: bodyArb(fields),
  }).map(({ route: [method, template], segments, query, contentType, body }) => ({
    method,
    path: template.replace("{a}", segments[0]).replace("{b}", segments[1])
      .replace("{c}", segments[2]) + query,
    contentType,
    body: method === "GET" || method === "HEAD" ? undefined : body,
  }));
}

export const BROKER_ROUTES = [
  "GET /health",
  "GET /config",
  "PATCH /config",
  "GET /topics",
  "POST /topics",
  "GET /topics/{a}",
  "DELETE /topics/{a}",
  "GET /topics/{a}/stats",
  "POST /topics/{a}/messages",
  "POST /topics/{a}/messages",
  "GET /groups",
  "POST /groups",
  "DELETE /groups/{a}",
  "GET /groups/{a}/progress",
  "GET /messages",
  "GET /messages",
  "GET /messages/{a}",
  "GET /metrics",
  "GET /{a}",
  "POST /topics/{a}/{b}",
  "PUT /topics",
  "GET /{a}/{b}/{c}",
];
export const NAMESRV_ROUTES = [
  "GET /health",
  "GET /config",
  "PATCH /config",
  "GET /cluster",
  "GET /topics",
  "GET /topics/{a}/route",
  "GET /kv/{a}",
  "GET /kv/{a}/{b}",
  "PUT /kv/{a}/{b}",
  "PUT /kv/{a}/{b}",
  "DELETE /kv/{a}/{b}",
  "GET /{a}",
  "PUT /kv/{a}/{b}/{c}",
  "POST /kv/{a}/{b}",
];

// ------------------------------------------------------------------------------------------------
// raw TCP: what fetch cannot send
// ------------------------------------------------------------------------------------------------

export const RAW_CASES: string[] = [
  "POST /topics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n{}",
  'POST /topics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{"topic":',
  "POST /topics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n{}",
  "POST /topics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}",
  "POST /topics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
  "POST /topics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n",
  "POST /topics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
  "PATCH /config HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nFFFFFFFFFFFF\r\n{}\r\n",
  "GET /topics/../config HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  "GET /kv/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  "GET /topics/a\u0000b/route HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  `GET /${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
  "GET http://evil/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  "GET /health HTTP/1.1\r\nHost: x\r\nX: " + "b".repeat(200_000) + "\r\nConnection: close\r\n\r\n",
  'PUT /kv/ns/k HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\nConnection: close\r\n\r\n{"value"',
];

/** Sends raw bytes, half-closes, reads until close; the status line's code, or null when none came. */
export async function sendRaw(
  port: number,
  text: string,
  boundMs: number,
): Promise<{ status: number | null; head: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), boundMs);
  const chunks: Uint8Array[] = [];
  try {
    await conn.write(new TextEncoder().encode(text)).catch((error) =>
      chunks.push(new TextEncoder().encode(String(error)))
    );
    await conn.closeWrite().catch((error) => chunks.push(new TextEncoder().encode(String(error))));
    const buffer = new Uint8Array(64 * 1024);
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      chunks.push(buffer.slice(0, n));
    }
  } catch (error) {
    chunks.push(new TextEncoder().encode(`\n(${(error as Error).name})`));
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch (_closed) {
      chunks.push(new Uint8Array());
    }
  }
  const head = new TextDecoder().decode(
    chunks.reduce((a, b) => new Uint8Array([...a, ...b]), new Uint8Array()),
  );
  const match = /^HTTP\/1\.1 (\d{3})/.exec(head);
  return { status: match === null ? null : Number(match[1]), head };
}
