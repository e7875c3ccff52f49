/**
 * Typed access to a command's `extFields` through zod schemas, and the error response for a header
 * that cannot be decoded (`shared/spec/remoting.md` §7, `shared/spec/headers.md`).
 *
 * @module
 */

import type { z } from "zod";
import { HeaderDecodeError } from "../errors.ts";
import { createResponse, isResponse, type RemotingCommand } from "../remoting_command.ts";
import { requestCodeName } from "../request_code.ts";
import { ResponseCode } from "../response_code.ts";

const NO_FIELDS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * Decodes a command's extFields with a header schema. Extra keys (`bname`, `AccessKey`, …) are
 * ignored.
 *
 * @param schema a header schema, e.g. `PullMessageRequestHeader`
 * @param command the received command
 * @param aliases long names of short keys, shown in messages (`e` → `e (queueId)`)
 * @returns the typed header
 * @throws {HeaderDecodeError} naming the request and the first bad field, e.g.
 * `Cannot decode PULL_MESSAGE header: queueId is missing`; its code is SYSTEM_ERROR, what a Java
 * broker answers when a required field is missing
 * @example
 * ```ts
 * import { decodeHeader } from "./header_codec.ts";
 * import { GetMaxOffsetRequestHeader } from "./offset_headers.ts";
 * import { createRequest } from "../remoting_command.ts";
 * const request = createRequest(30, { extFields: { topic: "T1", queueId: "2" } });
 * if (decodeHeader(GetMaxOffsetRequestHeader, request).queueId !== 2) throw new Error("queueId");
 * ```
 */
export function decodeHeader<S extends z.ZodType>(
  schema: S,
  command: RemotingCommand,
  aliases?: Readonly<Record<string, string>>,
): z.output<S> {
  const result = schema.safeParse(command.extFields ?? NO_FIELDS);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue.path.join(".");
  const alias = aliases?.[key];
  const field = key === "" ? "" : alias === undefined ? `${key} ` : `${key} (${alias}) `;
  const subject = isResponse(command)
    ? `response header (opaque ${command.opaque})`
    : `${requestCodeName(command.code)} header`;
  throw new HeaderDecodeError(`Cannot decode ${subject}: ${field}${issue.message}`);
}

/** A header value before encoding; null and undefined are skipped. */
export type HeaderValue = string | number | boolean | null | undefined;

/**
 * Encodes a typed header into extFields: every value as a string (decimal numbers, "true"/"false"),
 * null and undefined skipped.
 *
 * @param header the header object, keys = Java field names
 * @returns the extFields map
 * @throws {RangeError} when a number is not a safe integer (a programming error)
 * @example
 * ```ts
 * import { encodeHeader } from "./header_codec.ts";
 * const ext = encodeHeader({ queueId: 3, order: false, topic: "T1", tag: undefined });
 * if (JSON.stringify(ext) !== '{"queueId":"3","order":"false","topic":"T1"}') throw new Error();
 * ```
 */
export function encodeHeader(
  header: { readonly [key: string]: HeaderValue },
): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const key in header) {
    const value = header[key];
    if (value === undefined || value === null) continue;
    if (typeof value === "number" && !Number.isSafeInteger(value)) {
      throw new RangeError(`Cannot encode header field ${key}: ${value} is not a safe integer`);
    }
    fields[key] = typeof value === "string" ? value : String(value);
  }
  return fields;
}

/**
 * Turns an error raised while handling a request into its response: a {@linkcode HeaderDecodeError}
 * keeps its code and remark; anything else becomes SYSTEM_ERROR with the error text, as a Java broker
 * answers an exception.
 *
 * @param request the request that failed
 * @param error what was thrown
 * @returns the response, in the request's serialize type
 */
export function errorResponse(request: RemotingCommand, error: unknown): RemotingCommand {
  if (error instanceof HeaderDecodeError) return createResponse(request, error.code, error.remark);
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return createResponse(request, ResponseCode.SYSTEM_ERROR, text);
}
