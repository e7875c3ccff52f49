/**
 * RocketMQ remoting protocol: the RemotingCommand model, code tables, the JSON and ROCKETMQ header
 * codecs, framing as Web Streams, and typed zod headers (`shared/spec/remoting.md`, `codes.md`,
 * `headers.md`).
 *
 * @module
 */

// codec (protocol-codec helper)
export * from "./language_code.ts";
export * from "./request_code.ts";
export * from "./response_code.ts";
export * from "./remoting_command.ts";
export * from "./errors.ts";
export * from "./limits.ts";
export * from "./json_header.ts";
export * from "./rocketmq_header.ts";
export * from "./command_codec.ts";
export * from "./frame_decoder_stream.ts";
export * from "./frame_encoder_stream.ts";
export * from "./serialize_type.ts";
export * from "./headers/mod.ts";

// transport (transport helper: remoting_server.ts, remoting_client.ts, transport.ts, adapters/)
export * from "./transport.ts";
export * from "./adapters/deno_tcp_transport.ts";
export * from "./adapters/memory_transport.ts";
export * from "./remoting_channel.ts";
export * from "./remoting_error.ts";
export * from "./remoting_logger.ts";
export * from "./remoting_server.ts";
export * from "./remoting_client.ts";
