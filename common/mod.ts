/**
 * What two or more EdgeMQ folders share: the injected clock, the Java properties reader/writer,
 * the zod-backed config loader used by the name server and the broker, the decimal reader
 * of the remoting header fast paths (protocol and client), and the per-second rate window of the
 * store's and the broker's TPS figures, how the HTTP admins tell a cut-short body, how a
 * double reads in the JSON bodies Java writes, and how a TAG subscription expression splits.
 *
 * @module
 */

export * from "./clock.ts";
export * from "./properties.ts";
export * from "./config_loader.ts";
export * from "./command_line.ts";
export * from "./limits.ts";
export * from "./json_depth.ts";
export * from "./fastjson_reader.ts";
export * from "./netty_server_config.ts";
export * from "./next_turn.ts";
export * from "./decimal_integer.ts";
export * from "./rate_window.ts";
export * from "./http_errors.ts";
export * from "./java_double.ts";
export * from "./tag_expression.ts";
