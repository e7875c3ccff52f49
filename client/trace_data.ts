/**
 * Message trace data as RocketMQ's Java client writes it into `RMQ_SYS_TRACE_TOPIC` when
 * `enableMsgTrace` is on (`TraceDataEncoder`): each body holds one or more records, each ended by
 * the field splitter (char 2), its fields split by the content splitter (char 1). The first field
 * names the record type and fixes the field order:
 *
 * - `Pub`: type, timeStamp, regionId, groupName, topic, msgId, tags, keys, storeHost, bodyLength,
 *   costTime, msgType (ordinal), offsetMsgId, success (older clients: no offsetMsgId; newer: a
 *   clientHost after success).
 * - `SubBefore`: type, timeStamp, regionId, groupName, requestId, msgId, retryTimes, keys.
 * - `SubAfter`: type, requestId, msgId, costTime, success, keys, contextCode, timeStamp, groupName
 *   (the last two absent when the client's access channel is CLOUD).
 * - `EndTransaction`: type, timeStamp, regionId, groupName, topic, msgId, tags, keys, storeHost,
 *   msgType (ordinal), transactionId, transactionState, fromTransactionCheck.
 *
 * `msgId` is the traced message's client id (`UNIQ_KEY`); the trace message's `KEYS` hold it and
 * the traced message's keys, so a query by key finds the trace (RocketMQ
 * `AsyncTraceDispatcher.sendTraceDataByMQ`).
 *
 * @module
 */

/** The default trace topic (RocketMQ `TopicValidator.RMQ_SYS_TRACE_TOPIC`). */
export const RMQ_SYS_TRACE_TOPIC = "RMQ_SYS_TRACE_TOPIC";
/** Separates the fields of one trace record (RocketMQ `TraceConstants.CONTENT_SPLITOR`, char 1). */
export const TRACE_CONTENT_SPLITOR = "\u0001";
/** Ends each trace record (RocketMQ `TraceConstants.FIELD_SPLITOR`, char 2). */
export const TRACE_FIELD_SPLITOR = "\u0002";

/** Record types, as RocketMQ's `TraceType` names them. */
const TRACE_TYPES = ["Pub", "SubBefore", "SubAfter", "EndTransaction"] as const;
/** RocketMQ `MessageType`, by ordinal (the trace data stores the ordinal). */
const MESSAGE_TYPES = ["Normal_Msg", "Trans_Msg_Half", "Trans_msg_Commit", "Delay_Msg"] as const;
/** Fewest fields of each record type: RocketMQ's decoder reads up to these unconditionally. */
const FIELDS_MIN: Record<TraceType, number> = {
  Pub: 12,
  SubBefore: 8,
  SubAfter: 6,
  EndTransaction: 13,
};
const INT32_MAX = 2 ** 31 - 1;

/**
 * A trace record type (RocketMQ `TraceType`): a send, the start and end of a consumption, or the
 * end of a transaction.
 *
 * @example
 * ```ts
 * import type { TraceType } from "./trace_data.ts";
 * const printed: TraceType[] = ["Pub", "SubAfter"]; // the types queryMsgTraceById prints
 * ```
 */
export type TraceType = typeof TRACE_TYPES[number];

/**
 * One decoded trace record: RocketMQ's `TraceContext` with its single `TraceBean`. Fields a
 * record type does not carry keep RocketMQ's defaults (`""`, `0`, `success` true).
 *
 * @example
 * ```ts
 * import type { TraceRecord } from "./trace_data.ts";
 * function status(record: TraceRecord): string {
 *   return record.success ? "success" : "failed";
 * }
 * ```
 */
export interface TraceRecord {
  /** what was traced */
  traceType: TraceType;
  /** when (epoch ms); absent from SubAfter records of CLOUD clients */
  timeStamp: number | undefined;
  /** the client's region (`MSG_REGION`) */
  regionId: string;
  /** producer or consumer group */
  groupName: string;
  /** ties a SubBefore to its SubAfter */
  requestId: string;
  /** send or consume time, ms */
  costTime: number;
  /** whether the send or consumption succeeded */
  success: boolean;
  /** the consume outcome code (RocketMQ `ConsumeReturnType` ordinal); SubAfter only */
  contextCode: number;
  /** the traced message's topic */
  topic: string;
  /** the traced message's client id (`UNIQ_KEY`) */
  msgId: string;
  /** the traced message's offset id; Pub only */
  offsetMsgId: string;
  /** the traced message's tags */
  tags: string;
  /** the traced message's keys, space-separated */
  keys: string;
  /** the broker that stored it */
  storeHost: string;
  /** the client, when the record names it (newer Pub records) */
  clientHost: string;
  /** body bytes; Pub only */
  bodyLength: number;
  /** the consumption attempt; SubBefore only */
  retryTimes: number;
  /** RocketMQ `MessageType` name; Pub and EndTransaction only */
  msgType: string | undefined;
  /** EndTransaction only */
  transactionId: string | undefined;
  /** `LocalTransactionState` name; EndTransaction only */
  transactionState: string | undefined;
  /** whether a transaction check ended it; EndTransaction only */
  fromTransactionCheck: boolean;
}

/**
 * Trace data that breaks RocketMQ's format: too few fields or a number that is not one.
 *
 * @example
 * ```ts
 * import { decodeTraceData, TraceDataError } from "./trace_data.ts";
 * try {
 *   decodeTraceData("Pub\u0001yesterday\u0002");
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof TraceDataError)) throw error;
 * }
 * ```
 */
export class TraceDataError extends Error {
  /**
   * Creates the error.
   *
   * @param message what was wrong, naming the record and field
   */
  constructor(message: string) {
    super(message);
    this.name = "TraceDataError";
  }
}

function emptyRecord(traceType: TraceType): TraceRecord {
  return {
    traceType,
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
  };
}

/** Reads the fields of one record; numbers parse as Java's `Long.parseLong`/`parseInt` do. */
class Fields {
  readonly #fields: readonly string[];
  readonly #where: string;

  constructor(fields: readonly string[], where: string) {
    this.#fields = fields;
    this.#where = where;
  }

  get length(): number {
    return this.#fields.length;
  }

  text(i: number): string {
    return this.#fields[i];
  }

  long(i: number, name: string): number {
    const value = this.#fields[i];
    const n = Number(value);
    if (!/^[+-]?\d{1,19}$/.test(value) || !Number.isSafeInteger(n)) {
      throw new TraceDataError(
        `${this.#where}: ${name} ${JSON.stringify(value)} is not an integer`,
      );
    }
    return n;
  }

  int(i: number, name: string): number {
    const n = this.long(i, name);
    if (n > INT32_MAX || n < -INT32_MAX - 1) {
      throw new TraceDataError(`${this.#where}: ${name} ${n} is out of int range`);
    }
    return n;
  }

  /** Java `Boolean.parseBoolean`: "true" in any case, anything else false. */
  bool(i: number): boolean {
    return this.#fields[i].toLowerCase() === "true";
  }

  messageType(i: number): string {
    const ordinal = this.int(i, "msgType");
    const name = MESSAGE_TYPES[ordinal];
    if (name === undefined) {
      throw new TraceDataError(
        `${this.#where}: msgType ${ordinal} is not a MessageType ordinal (0 to ${
          MESSAGE_TYPES.length - 1
        })`,
      );
    }
    return name;
  }
}

function decodePub(f: Fields, r: TraceRecord): void {
  r.timeStamp = f.long(1, "timeStamp");
  r.regionId = f.text(2);
  r.groupName = f.text(3);
  r.topic = f.text(4);
  r.msgId = f.text(5);
  r.tags = f.text(6);
  r.keys = f.text(7);
  r.storeHost = f.text(8);
  r.bodyLength = f.int(9, "bodyLength");
  r.costTime = f.int(10, "costTime");
  r.msgType = f.messageType(11);
  if (f.length === 13) {
    r.success = f.bool(12); // before offsetMsgId was written
  } else if (f.length >= 14) {
    r.offsetMsgId = f.text(12);
    r.success = f.bool(13);
    if (f.length >= 15) r.clientHost = f.text(14);
  }
}

function decodeSubBefore(f: Fields, r: TraceRecord): void {
  r.timeStamp = f.long(1, "timeStamp");
  r.regionId = f.text(2);
  r.groupName = f.text(3);
  r.requestId = f.text(4);
  r.msgId = f.text(5);
  r.retryTimes = f.int(6, "retryTimes");
  r.keys = f.text(7);
}

function decodeSubAfter(f: Fields, r: TraceRecord): void {
  r.requestId = f.text(1);
  r.msgId = f.text(2);
  r.costTime = f.int(3, "costTime");
  r.success = f.bool(4);
  r.keys = f.text(5);
  if (f.length >= 7) r.contextCode = f.int(6, "contextCode");
  if (f.length >= 9) { // CLOUD clients write neither
    r.timeStamp = f.long(7, "timeStamp");
    r.groupName = f.text(8);
  }
}

function decodeEndTransaction(f: Fields, r: TraceRecord): void {
  r.timeStamp = f.long(1, "timeStamp");
  r.regionId = f.text(2);
  r.groupName = f.text(3);
  r.topic = f.text(4);
  r.msgId = f.text(5);
  r.tags = f.text(6);
  r.keys = f.text(7);
  r.storeHost = f.text(8);
  r.msgType = f.messageType(9);
  r.transactionId = f.text(10);
  r.transactionState = f.text(11);
  r.fromTransactionCheck = f.bool(12);
}

const DECODERS: Record<TraceType, (f: Fields, r: TraceRecord) => void> = {
  Pub: decodePub,
  SubBefore: decodeSubBefore,
  SubAfter: decodeSubAfter,
  EndTransaction: decodeEndTransaction,
};

function isTraceType(text: string): text is TraceType {
  return (TRACE_TYPES as readonly string[]).includes(text);
}

/**
 * Decodes the body of a trace message (RocketMQ `TraceDataEncoder.decoderFromTraceDataString`).
 * As RocketMQ, records of unknown type (and empty ones) are skipped; unlike it, empty trailing
 * fields count (Java's `split` drops them, then fails on a SubBefore without keys).
 *
 * @param traceData the body as text
 * @returns the records, in body order
 * @throws {TraceDataError} when a record has too few fields or a malformed number
 * @example
 * ```ts
 * import { decodeTraceData } from "./trace_data.ts";
 * const body = ["SubAfter", "req-1", "0A0B0C0D", "12", "true", "order-1", "0", "1700000000000", "CG"]
 *   .join("\u0001") + "\u0002";
 * const [record] = decodeTraceData(body);
 * if (record.traceType !== "SubAfter" || record.groupName !== "CG" || record.costTime !== 12) {
 *   throw new Error("decoded wrongly");
 * }
 * ```
 */
export function decodeTraceData(traceData: string): TraceRecord[] {
  const records: TraceRecord[] = [];
  traceData.split(TRACE_FIELD_SPLITOR).forEach((text, index) => {
    const fields = text.split(TRACE_CONTENT_SPLITOR);
    const type = fields[0];
    if (!isTraceType(type)) return;
    const where = `Cannot decode trace record ${index} (${type})`;
    if (fields.length < FIELDS_MIN[type]) {
      throw new TraceDataError(
        `${where}: it has ${fields.length} fields, ${type} needs at least ${FIELDS_MIN[type]}`,
      );
    }
    const record = emptyRecord(type);
    DECODERS[type](new Fields(fields, where), record);
    records.push(record);
  });
  return records;
}
