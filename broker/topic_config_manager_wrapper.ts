/**
 * The topic table as it travels and is stored (RocketMQ `TopicConfigSerializeWrapper`,
 * bodies.md §2): REGISTER_BROKER and GET_ALL_TOPIC_CONFIG bodies, and topics.json (store.md §10).
 *
 * @module
 */
import { z } from "zod";
import { parseFastjson, stringifyFastjson } from "../store/fastjson.ts";
import { type DataVersion, dataVersionSchema, dataVersionToJson } from "./data_version.ts";
import { type TopicConfig, topicConfigSchema, topicConfigToJson } from "./topic_config.ts";

/** The table and version as sent in REGISTER_BROKER and GET_ALL_TOPIC_CONFIG (bodies.md §2). */
export interface TopicConfigSerializeWrapper {
  /** every topic, system ones included */
  readonly topicConfigTable: ReadonlyMap<string, TopicConfig>;
  /** the table version */
  readonly dataVersion: DataVersion;
}

/**
 * Writes a topic table as RocketMQ's `TopicConfigSerializeWrapper` JSON.
 *
 * @param wrapper table and version
 * @param pretty fastjson pretty form (files) or compact (wire)
 * @returns the JSON text
 */
export function encodeTopicConfigWrapper(
  wrapper: TopicConfigSerializeWrapper,
  pretty: boolean,
): string {
  const topicConfigTable: Record<string, unknown> = {};
  for (const [name, config] of wrapper.topicConfigTable) {
    topicConfigTable[name] = topicConfigToJson(config);
  }
  const value = { dataVersion: dataVersionToJson(wrapper.dataVersion), topicConfigTable };
  return pretty ? stringifyFastjson(value) : JSON.stringify(value);
}

/**
 * Reads RocketMQ's `TopicConfigSerializeWrapper` JSON (topics.json, GET_ALL_TOPIC_CONFIG): standard
 * JSON or fastjson's form; missing TopicConfig fields take their defaults, a missing `topicName`
 * is the entry's key.
 *
 * @param text the JSON text
 * @param source what the text came from, for messages
 * @returns the table, and the version (null when absent)
 * @throws {Error} when the text is not JSON or an entry is invalid
 */
export function decodeTopicConfigWrapper(
  text: string,
  source: string,
): { topicConfigTable: Map<string, TopicConfig>; dataVersion: DataVersion | null } {
  return topicConfigWrapperFromJson(parseFastjson(text), source);
}

/**
 * {@linkcode decodeTopicConfigWrapper} on already-parsed JSON.
 *
 * @param json the parsed JSON
 * @param source what it came from, for messages
 * @returns the table, and the version (null when absent)
 * @throws {Error} when an entry is invalid
 */
export function topicConfigWrapperFromJson(
  json: unknown,
  source: string,
): { topicConfigTable: Map<string, TopicConfig>; dataVersion: DataVersion | null } {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Error(`Cannot load topics from ${source}: not a JSON object`);
  }
  const { topicConfigTable: rawTable, dataVersion: rawVersion } = json as Record<string, unknown>;
  const topicConfigTable = new Map<string, TopicConfig>();
  for (const [name, raw] of Object.entries((rawTable ?? {}) as Record<string, unknown>)) {
    const parsed = topicConfigSchema.safeParse({
      topicName: name,
      ...(raw as Record<string, unknown>),
    });
    if (!parsed.success) {
      throw new Error(`Cannot load topic ${name} from ${source}: ${z.prettifyError(parsed.error)}`);
    }
    topicConfigTable.set(name, parsed.data);
  }
  const dataVersion = rawVersion === undefined ? null : dataVersionSchema.parse(rawVersion);
  return { topicConfigTable, dataVersion };
}
