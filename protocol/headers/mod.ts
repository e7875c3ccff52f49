/**
 * Typed request and response headers (extFields) as zod schemas, keyed by Java field names
 * (`shared/spec/headers.md`), with {@linkcode decodeHeader} / {@linkcode encodeHeader}.
 *
 * @module
 */

export * from "./header_field.ts";
export * from "./header_codec.ts";
export * from "./send_message_header.ts";
export * from "./pull_message_header.ts";
export * from "./offset_headers.ts";
export * from "./client_headers.ts";
export * from "./transaction_headers.ts";
export * from "./consumer_send_msg_back_header.ts";
export * from "./query_message_headers.ts";
export * from "./namesrv_headers.ts";
export * from "./admin_headers.ts";
