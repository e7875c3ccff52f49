/**
 * Named maxima of the broker's HTTP admin API, each with the reason for its value. (They belong in
 * `broker/limits.ts`; they live here while that file has another owner.)
 *
 * @module
 */
import assert from "node:assert/strict";
import { MESSAGE_BODY_BYTES_DEFAULT } from "../store/limits.ts";

/**
 * Largest message body `POST /topics/:topic/messages` accepts before encoding: RocketMQ's default
 * `maxMessageSize` (4 MiB). The store checks the configured value again.
 */
export const HTTP_MESSAGE_BODY_BYTES_MAX = MESSAGE_BODY_BYTES_DEFAULT;

/**
 * Largest HTTP request body read: a produced message in base64 (4/3 of
 * {@linkcode HTTP_MESSAGE_BODY_BYTES_MAX}) plus room for tags, keys and properties.
 */
export const HTTP_BODY_BYTES_MAX = Math.ceil((HTTP_MESSAGE_BODY_BYTES_MAX * 4) / 3) + 64 * 1024;

/**
 * Most messages `GET /messages?topic=&key=` returns: RocketMQ's `maxMsgsNumBatch` (64), the cap of
 * one QUERY_MESSAGE.
 */
export const HTTP_QUERY_MESSAGES_MAX = 64;

/**
 * Most body bytes one `GET /messages?topic=&key=` answer inflates, all its compressed records
 * together. The store bounds the stored records of an answer (QUERY_MESSAGE_BYTES_MAX), not what
 * they inflate to: zlib turns 64 KiB into 64 MiB, and inflating, decoding and writing it as JSON
 * runs on the event loop that serves every client (64 such records held it for 30 s). 16 MiB is
 * the largest frame a Java client decodes, so no RocketMQ answer shows more. Records past it are
 * shown as stored; `GET /messages/:msgId` inflates each one alone.
 */
export const HTTP_QUERY_INFLATED_BYTES_MAX = 16 * 1024 * 1024;

/** Default count of `GET /messages?topic=&key=`: RocketMQ's `defaultQueryMaxNum` (32). */
export const HTTP_QUERY_MESSAGES_DEFAULT = 32;

/**
 * Longest message property value accepted over HTTP. The whole properties string of a record is
 * bounded by 32 767 bytes (an int16 length, message-format.md §1); the store refuses more.
 */
export const HTTP_PROPERTY_CHARS_MAX = 32_767;

/** Most user properties on one HTTP-produced message (each costs a line in the properties string). */
export const HTTP_PROPERTIES_MAX = 256;

assert(
  HTTP_QUERY_MESSAGES_DEFAULT <= HTTP_QUERY_MESSAGES_MAX,
  "the default count is within the cap",
);
assert(HTTP_BODY_BYTES_MAX > HTTP_MESSAGE_BODY_BYTES_MAX, "a base64 body fits the request limit");
assert(
  HTTP_QUERY_INFLATED_BYTES_MAX >= HTTP_MESSAGE_BODY_BYTES_MAX,
  "a key query inflates at least one body as large as HTTP produce takes",
);
