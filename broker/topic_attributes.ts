/**
 * RocketMQ 5.x topic attributes (`TopicAttributes`, `AttributeParser`, `AttributeUtil`): the
 * UPDATE_AND_CREATE_TOPIC header's `attributes` is a modification, `+key=value` to add or change
 * and `-key` to remove, comma-separated; it is checked against the known attributes and merged
 * into the topic's current ones. rocketmq-dashboard sets `message.type` this way and reads it
 * back from GET_ALL_TOPIC_CONFIG to label topics NORMAL, FIFO, DELAY or TRANSACTION.
 *
 * @module
 */

import { ResponseCode } from "../protocol/response_code.ts";
import { BrokerError } from "./broker_error.ts";

/** One known attribute: its values, and whether an existing topic may change it. */
interface TopicAttribute {
  readonly changeable: boolean;
  /** throws RocketMQ's message for a value out of range */
  readonly verify: (value: string) => void;
}

function oneOf(values: readonly string[]): (value: string) => void {
  return (value) => {
    if (!values.includes(value)) throw new Error(`value is not in set: [${values.join(", ")}]`);
  };
}

/** The topic attributes RocketMQ 5.x knows (`TopicAttributes.ALL`). */
export const TOPIC_ATTRIBUTES: ReadonlyMap<string, TopicAttribute> = new Map([
  ["queue.type", { changeable: false, verify: oneOf(["BatchCQ", "SimpleCQ"]) }],
  ["cleanup.policy", { changeable: false, verify: oneOf(["DELETE", "COMPACTION"]) }],
  [
    "message.type",
    {
      changeable: true,
      verify: oneOf(["UNSPECIFIED", "NORMAL", "FIFO", "DELAY", "TRANSACTION", "MIXED"]),
    },
  ],
  [
    "reserve.time",
    {
      changeable: true,
      verify: (value: string) => {
        const n = /^[+-]?\d+$/.test(value) ? BigInt(value) : undefined;
        if (n === undefined || n < -1n || n > 2n ** 63n - 1n) {
          throw new Error(`value is not in range(-1, ${2n ** 63n - 1n})`);
        }
      },
    },
  ],
]);

/**
 * Parses a modification as RocketMQ's `AttributeParser.parseToMap` does.
 * @returns signed key (`+k` or `-k`) → value ("" for a removal)
 */
function parseModification(text: string): Map<string, string> {
  const parsed = new Map<string, string>();
  if (text.length === 0) return parsed;
  for (const kv of text.split(",")) {
    let key: string;
    let value: string;
    if (kv.includes("=")) {
      [key, value] = kv.split("=");
      if (!key.includes("+")) throw new Error(`add/alter attribute format is wrong: ${key}`);
    } else {
      [key, value] = [kv, ""];
      if (!key.includes("-")) throw new Error(`delete attribute format is wrong: ${key}`);
    }
    if (parsed.has(key)) throw new Error(`key duplication: ${key}`);
    parsed.set(key, value ?? "");
  }
  return parsed;
}

/**
 * The attributes a topic has after a modification (RocketMQ `AttributeUtil.alterCurrentAttributes`):
 * a new topic takes only additions; an existing one adds, changes (changeable attributes only)
 * and removes (existing keys only). Every key must be a known attribute and every value valid.
 *
 * @param topic the topic, for the error
 * @param create true for a topic that does not exist yet
 * @param current the topic's attributes now
 * @param modification the header's `attributes` (`+k=v,-k`)
 * @returns the attributes to store
 * @throws {BrokerError} SYSTEM_ERROR with RocketMQ's reason and the topic
 */
export function alterTopicAttributes(
  topic: string,
  create: boolean,
  current: Readonly<Record<string, string>>,
  modification: string,
): Record<string, string> {
  try {
    const next: Record<string, string> = { ...current };
    const seen = new Set<string>();
    for (const [signed, value] of parseModification(modification)) {
      const key = signed.slice(1);
      if (key.length === 0 || key.includes("+") || key.includes("-")) {
        throw new Error("kv string format wrong.");
      }
      if (seen.has(key)) throw new Error(`alter duplication key. key: ${key}`);
      seen.add(key);
      const attribute = TOPIC_ATTRIBUTES.get(key);
      const add = signed.startsWith("+");
      if (create && !add) {
        throw new Error(`only add attribute is supported while creating topic. key: ${key}`);
      }
      if (!create && !add && !signed.startsWith("-")) throw new Error(`wrong format key: ${key}`);
      if (!create && !add && !(key in current)) {
        throw new Error(`attempt to delete a nonexistent key: ${key}`);
      }
      if (attribute === undefined) throw new Error(`unsupported key: ${key}`);
      if (!create && !attribute.changeable) {
        throw new Error(`attempt to update an unchangeable attribute. key: ${key}`);
      }
      if (add) {
        attribute.verify(value);
        next[key] = value;
      } else {
        delete next[key];
      }
    }
    return next;
  } catch (error) {
    throw new BrokerError(
      ResponseCode.SYSTEM_ERROR,
      `Cannot set the attributes of topic ${topic}: ${(error as Error).message}`,
    );
  }
}
