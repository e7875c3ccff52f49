/**
 * The RemotingCommand: every request and response on a RocketMQ remoting connection
 * (`shared/spec/remoting.md`). Serialization lives in the serializers; this file is the model and
 * its factories.
 *
 * @module
 */

import assert from "node:assert/strict";
import { LANGUAGE_DEFAULT } from "./language_code.ts";

/** How a command's header is serialized on the wire (high byte of the header word). */
export type SerializeType = "JSON" | "ROCKETMQ";

/** Flag bit 0: the command is a response. */
export const FLAG_RESPONSE = 0x1;
/** Flag bit 1: the request expects no response. */
export const FLAG_ONEWAY = 0x2;

/**
 * The `version` EdgeMQ sends: 409 = V4_9_8 (`shared/spec/remoting.md` §6). It enables every 4.x
 * behaviour (SQL filter, standard-JSON routes) and stays below 475, so a 5.x server never answers
 * GO_AWAY because of it.
 */
export const VERSION_DEFAULT = 409;

/**
 * One remoting command, request or response.
 *
 * @example
 * ```ts
 * import type { RemotingCommand } from "./remoting_command.ts";
 * const heartbeat: RemotingCommand = {
 *   code: 34, language: "JAVA", version: 409, opaque: 1, flag: 0, serializeType: "JSON",
 *   body: new TextEncoder().encode("{}"),
 * };
 * if ((heartbeat.flag & 0x1) !== 0) throw new Error("flag bit 0 clear: a request");
 * ```
 */
export interface RemotingCommand {
  /** request code, or response code on responses */
  code: number;
  /** sender language name, e.g. "JAVA", "GO" (spec remoting.md §5) */
  language: string;
  /** sender MQVersion ordinal */
  version: number;
  /** correlation id; a response copies its request's */
  opaque: number;
  /** bit 0 response, bit 1 oneway */
  flag: number;
  /** free text or error message */
  remark?: string;
  /** typed header fields, values always strings */
  extFields?: Record<string, string>;
  /** opaque payload */
  body?: Uint8Array;
  /** the serialization the command arrived in, or is to be written in */
  serializeType: SerializeType;
}

/** Options of {@linkcode createRequest}. */
export interface CreateRequestOptions {
  /** header fields; values must already be strings (see `encodeHeader`) */
  extFields?: Record<string, string>;
  /** payload */
  body?: Uint8Array;
  /** free text */
  remark?: string;
  /** header serialization; default "JSON" (RocketMQ's default) */
  serializeType?: SerializeType;
  /** set FLAG_ONEWAY: the peer sends no response */
  oneway?: boolean;
  /** correlation id; default: the next value of this module's counter */
  opaque?: number;
  /** language name; default {@linkcode LANGUAGE_DEFAULT} ("OTHER") */
  language?: string;
  /** MQVersion ordinal; default {@linkcode VERSION_DEFAULT} (409) */
  version?: number;
}

const INT32_MAX = 0x7fffffff;
let opaqueNext = 0;

/**
 * Returns a fresh opaque, counting from 0 like Java's process-wide counter and wrapping at 2^31 - 1.
 * A remoting client may assign its own opaque instead.
 *
 * @returns a non-negative int32
 */
export function nextOpaque(): number {
  const opaque = opaqueNext;
  opaqueNext = opaque === INT32_MAX ? 0 : opaque + 1;
  return opaque;
}

/**
 * Creates a request command.
 *
 * @param code the request code, e.g. `RequestCode.SEND_MESSAGE`
 * @param options header fields, body, flags and identity overrides
 * @returns the request
 * @example
 * ```ts
 * import { createRequest, isOneway } from "./remoting_command.ts";
 * const request = createRequest(15, { extFields: { topic: "T1" }, oneway: true, opaque: 7 });
 * if (!isOneway(request) || request.opaque !== 7) throw new Error("oneway request with opaque 7");
 * ```
 */
export function createRequest(code: number, options: CreateRequestOptions = {}): RemotingCommand {
  // Checked before calling assert: a template message would be built on every (hot) call.
  if (!Number.isInteger(code)) assert.fail(`Request code must be an integer, got ${code}`);
  const command: RemotingCommand = {
    code,
    language: options.language ?? LANGUAGE_DEFAULT,
    version: options.version ?? VERSION_DEFAULT,
    opaque: options.opaque ?? nextOpaque(),
    flag: options.oneway === true ? FLAG_ONEWAY : 0,
    serializeType: options.serializeType ?? "JSON",
  };
  if (options.remark !== undefined) command.remark = options.remark;
  if (options.extFields !== undefined) command.extFields = options.extFields;
  if (options.body !== undefined) command.body = options.body;
  return command;
}

/**
 * Creates the response to a request: same opaque, FLAG_RESPONSE set, and the request's serialize type,
 * so a client always gets the serialization it spoke.
 *
 * @param request the request being answered
 * @param code the response code, e.g. `ResponseCode.SUCCESS`
 * @param remark outcome text; RocketMQ puts error messages here
 * @param extFields typed response header fields (strings)
 * @param body payload
 * @returns the response
 * @example
 * ```ts
 * import { createRequest, createResponse, isResponse } from "./remoting_command.ts";
 * const response = createResponse(createRequest(105, { opaque: 3 }), 0);
 * if (!isResponse(response) || response.opaque !== 3) throw new Error("response to opaque 3");
 * ```
 */
export function createResponse(
  request: RemotingCommand,
  code: number,
  remark?: string,
  extFields?: Record<string, string>,
  body?: Uint8Array,
): RemotingCommand {
  if (!Number.isInteger(code)) assert.fail(`Response code must be an integer, got ${code}`);
  const command: RemotingCommand = {
    code,
    language: LANGUAGE_DEFAULT,
    version: VERSION_DEFAULT,
    opaque: request.opaque,
    flag: FLAG_RESPONSE,
    serializeType: request.serializeType,
  };
  if (remark !== undefined) command.remark = remark;
  if (extFields !== undefined) command.extFields = extFields;
  if (body !== undefined) command.body = body;
  return command;
}

/**
 * @param command a command
 * @returns whether FLAG_RESPONSE is set
 */
export function isResponse(command: RemotingCommand): boolean {
  return (command.flag & FLAG_RESPONSE) !== 0;
}

/**
 * @param command a command
 * @returns whether FLAG_ONEWAY is set (the request wants no response)
 */
export function isOneway(command: RemotingCommand): boolean {
  return (command.flag & FLAG_ONEWAY) !== 0;
}
