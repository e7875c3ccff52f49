/**
 * Named maxima of the name server, each with the reason for its value (STYLE.md, "Limits").
 *
 * @module
 */
import assert from "node:assert/strict";

/** Largest Java `int`: RocketMQ config fields typed `int` cannot hold more. */
export const JAVA_INT_MAX = 2_147_483_647;

/**
 * Bytes a compressed REGISTER_BROKER body may inflate to. A broker with 100,000 topics sends about
 * 10 MiB of topic lines; 64 MiB leaves room and stops a zlib bomb from exhausting memory.
 */
export const REGISTER_BODY_INFLATED_BYTES_MAX = 64 * 1024 * 1024;

/**
 * Topics one REGISTER_BROKER may carry: twice what an EdgeMQ broker keeps (50,000), room for a Java
 * broker with `compressedRegister`. Checked before the table is built, so a forged count cannot make
 * the name server build millions of entries.
 */
export const TOPICS_PER_REGISTRATION_MAX = 100_000;

/**
 * Longest topic name a registration may carry: `%RETRY%` or `%DLQ%` plus a 255-character group,
 * the longest topics a broker creates.
 */
export const REGISTERED_TOPIC_NAME_CHARS_MAX = 7 + 255;

/** Filter servers one registration may list: RocketMQ runs a handful per broker, if any. */
export const FILTER_SERVERS_PER_BROKER_MAX = 1_000;

/**
 * Distinct topics the route registry holds over all brokers. GET_ALL_TOPIC_LIST_FROM_NAMESERVER
 * answers them in one body, which must fit a 16 MiB frame: 200,000 names of up to 60 characters
 * make about 12.6 MiB.
 */
export const TOPICS_MAX = 200_000;

/** Broker names (master/slave groups) the registry holds: far above any real cluster. */
export const BROKERS_MAX = 10_000;

/**
 * KV entries held over all namespaces. RocketMQ keeps one per ordered topic (namespace
 * `ORDER_TOPIC_CONFIG`); a million is far above any real cluster and bounds kvConfig.json.
 */
export const KV_ENTRIES_MAX = 1_000_000;

/** Longest namespace, key or value accepted by the KV store: the frame limit bounds it in RocketMQ. */
export const KV_TEXT_CHARS_MAX = 1024 * 1024;

/**
 * Bytes of one namespace's pairs as JSON (UTF-8). REGISTER_BROKER answers carry the whole
 * `ORDER_TOPIC_CONFIG` namespace and GET_KVLIST_BY_NAMESPACE any one: half the 16 MiB frame
 * limit keeps both deliverable (RocketMQ checks single puts only, so a namespace can outgrow the
 * frame there and break every broker's registration).
 */
export const KV_NAMESPACE_BYTES_MAX = 8 * 1024 * 1024;

/** Bytes of every pair as JSON (UTF-8): bounds kvConfig.json well below the 256 MiB config file limit. */
export const KV_TOTAL_BYTES_MAX = 64 * 1024 * 1024;

/** Largest JSON request body the HTTP admin reads: config patches and KV values are small. */
export const HTTP_BODY_BYTES_MAX = 1024 * 1024;

/** Longest topic name accepted over HTTP: RocketMQ 5.x allows 255 for retry/DLQ topics. */
export const TOPIC_NAME_CHARS_MAX = 255;

/**
 * How long `shutdown()` waits for the HTTP admin to finish in-flight requests, so a stuck client
 * cannot hold the process.
 */
export const HTTP_SHUTDOWN_WAIT_MS = 5_000;

assert(
  KV_TEXT_CHARS_MAX < REGISTER_BODY_INFLATED_BYTES_MAX,
  "KV values must fit well inside a body",
);
assert(HTTP_BODY_BYTES_MAX <= KV_TEXT_CHARS_MAX * 4, "an HTTP KV value must fit the KV limit");
assert(
  KV_TEXT_CHARS_MAX * 6 < KV_NAMESPACE_BYTES_MAX,
  "one value, every char JSON-escaped, fits a namespace",
);

/** A registration the registry has no room for; the request gets SYSTEM_ERROR with the message. */
export class RouteRegistryFullError extends Error {
  /** @param message which limit, and the registration it refused */
  constructor(message: string) {
    super(message);
    this.name = "RouteRegistryFullError";
  }
}
