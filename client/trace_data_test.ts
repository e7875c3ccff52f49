import assert from "node:assert/strict";
import { decodeTraceData, TraceDataError, type TraceRecord } from "./trace_data.ts";

const C = "\u0001"; // TraceConstants.CONTENT_SPLITOR
const F = "\u0002"; // TraceConstants.FIELD_SPLITOR

// Trace data written as RocketMQ 4.9.8's TraceDataEncoder.encoderFromContextBean appends it:
// every field followed by CONTENT_SPLITOR, the last one by FIELD_SPLITOR; a SubAfter ends with
// CONTENT_SPLITOR after contextCode and, unless the access channel is CLOUD, timeStamp, groupName.
const pub = (fields: (string | number | boolean)[]) => ["Pub", ...fields].join(C) + F;
const subBefore = (fields: (string | number)[]) => ["SubBefore", ...fields].join(C) + F;
const subAfter = (fields: (string | number | boolean)[], local?: [number, string]) =>
  ["SubAfter", ...fields].join(C) + C + (local === undefined ? "" : local.join(C) + F);

const MSG_ID = "7F000001000C18B4AAC2146F5E6C0000";
const OFFSET_ID = "7F00000100002A9F0000000000000A3C";

function expected(fields: Partial<TraceRecord> & Pick<TraceRecord, "traceType">): TraceRecord {
  return {
    timeStamp: undefined,
    regionId: "",
    groupName: "",
    requestId: "",
    costTime: 0,
    success: true,
    contextCode: 0,
    topic: "",
    msgId: "",
    offsetMsgId: "",
    tags: "",
    keys: "",
    storeHost: "",
    clientHost: "",
    bodyLength: 0,
    retryTimes: 0,
    msgType: undefined,
    transactionId: undefined,
    transactionState: undefined,
    fromTransactionCheck: false,
    ...fields,
  };
}

Deno.test("decodeTraceData reads Pub, SubBefore and SubAfter records as the Java encoder writes them", () => {
  // One trace message body: the dispatcher concatenates the records of a batch (AsyncDataSendTask).
  const body = pub([
    1700000000123,
    "DefaultRegion",
    "PG_ORDER",
    "TopicOrder",
    MSG_ID,
    "TagA",
    "order-1 order-2",
    "127.0.0.1:10911",
    42,
    7,
    0,
    OFFSET_ID,
    true,
  ]) +
    subBefore([1700000000200, "DefaultRegion", "CG_ORDER", "REQ-1", MSG_ID, 2, "order-1 order-2"]) +
    subAfter(["REQ-1", MSG_ID, 15, false, "order-1 order-2", 3], [1700000000215, "CG_ORDER"]) +
    subAfter(["REQ-2", MSG_ID, 9, true, "null", 0]); // CLOUD: no time, no group, no FIELD_SPLITOR
  assert.deepEqual(decodeTraceData(body), [
    expected({
      traceType: "Pub",
      timeStamp: 1700000000123,
      regionId: "DefaultRegion",
      groupName: "PG_ORDER",
      topic: "TopicOrder",
      msgId: MSG_ID,
      tags: "TagA",
      keys: "order-1 order-2",
      storeHost: "127.0.0.1:10911",
      bodyLength: 42,
      costTime: 7,
      msgType: "Normal_Msg",
      offsetMsgId: OFFSET_ID,
      success: true,
    }),
    expected({
      traceType: "SubBefore",
      timeStamp: 1700000000200,
      regionId: "DefaultRegion",
      groupName: "CG_ORDER",
      requestId: "REQ-1",
      msgId: MSG_ID,
      retryTimes: 2,
      keys: "order-1 order-2",
    }),
    expected({
      traceType: "SubAfter",
      requestId: "REQ-1",
      msgId: MSG_ID,
      costTime: 15,
      success: false,
      keys: "order-1 order-2",
      contextCode: 3,
      timeStamp: 1700000000215,
      groupName: "CG_ORDER",
    }),
    expected({
      traceType: "SubAfter",
      requestId: "REQ-2",
      msgId: MSG_ID,
      costTime: 9,
      keys: "null",
    }),
  ]);
});

Deno.test("decodeTraceData reads older and newer Pub layouts, EndTransaction, and skips unknown types", () => {
  const common = [1, "R", "PG", "T", MSG_ID, "", "k", "10.0.0.1:10911", 3, 4];
  // Before offsetMsgId: success is the 13th field. Newer clients add clientHost after success.
  const [old] = decodeTraceData(pub([...common, 3, false]));
  assert.deepEqual([old.msgType, old.offsetMsgId, old.success], ["Delay_Msg", "", false]);
  const [newer] = decodeTraceData(pub([...common, 1, OFFSET_ID, "TRUE", "10.0.0.9"]));
  assert.deepEqual([newer.msgType, newer.offsetMsgId, newer.success, newer.clientHost], [
    "Trans_Msg_Half",
    OFFSET_ID,
    true,
    "10.0.0.9",
  ]);
  const end = ["EndTransaction", 5, "R", "PG", "T", MSG_ID, "TagT", "k", "h:1", 2, "TX1"];
  const [tx] = decodeTraceData([...end, "COMMIT_MESSAGE", "true"].join(C) + F);
  assert.deepEqual(
    [tx.traceType, tx.msgType, tx.transactionId, tx.transactionState, tx.fromTransactionCheck],
    ["EndTransaction", "Trans_msg_Commit", "TX1", "COMMIT_MESSAGE", true],
  );
  // A SubBefore without keys keeps an empty last field (Java's split drops it, then fails).
  const [noKeys] = decodeTraceData(subBefore([1, "", "CG", "REQ", MSG_ID, 0, ""]));
  assert.equal(noKeys.keys, "");
  assert.deepEqual(decodeTraceData(""), []);
  assert.deepEqual(decodeTraceData(`Future${C}x${F}${F}`), []);
});

Deno.test("decodeTraceData rejects short records and malformed numbers, naming the field", () => {
  assert.throws(
    () => decodeTraceData(subBefore([1, "", "CG", "REQ", MSG_ID, 0])),
    new TraceDataError(
      "Cannot decode trace record 0 (SubBefore): it has 7 fields, SubBefore needs at least 8",
    ),
  );
  const second = subAfter(["REQ", MSG_ID, "12ms", true, "k", 0], [1, "CG"]);
  assert.throws(
    () => decodeTraceData(subBefore([1, "", "CG", "REQ", MSG_ID, 0, "k"]) + second),
    new TraceDataError(
      'Cannot decode trace record 1 (SubAfter): costTime "12ms" is not an integer',
    ),
  );
  assert.throws(
    () => decodeTraceData(pub([1, "R", "PG", "T", MSG_ID, "", "k", "h", 3, 4, 9, "", true])),
    /msgType 9 is not a MessageType ordinal \(0 to 3\)/,
  );
  assert.throws(
    () => decodeTraceData(pub([1, "R", "PG", "T", MSG_ID, "", "k", "h", 2 ** 31, 4, 0, "", true])),
    /bodyLength 2147483648 is out of int range/,
  );
});
