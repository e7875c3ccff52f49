/**
 * What the broker HTTP admin routes share: the error type and its JSON form
 * (`{"error": message, "field"?: name, "expected"?: text}`), zod-validated JSON bodies and query
 * parameters, and the mapping from RocketMQ response codes to HTTP statuses.
 *
 * @module
 */
import { isBodyReadError } from "../common/http_errors.ts";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { ResponseCode } from "../protocol/response_code.ts";
import { BrokerError } from "./broker_error.ts";
import type { BrokerAdminContext } from "./processors/admin_context.ts";
import { ConfigBlackListError } from "./processors/admin_config_operations.ts";

/** A client or lookup error of the HTTP admin, answered as JSON with its status. */
export class HttpError extends Error {
  /**
   * @param status the HTTP status
   * @param message what went wrong, e.g. `Topic T does not exist`
   * @param detail extra JSON fields (`field`, `expected`, `keys`, `code`)
   */
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly detail: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/**
 * @param issue a zod issue
 * @returns the field it names (dotted path, or the unknown keys) and what is expected there
 */
function describeIssue(issue: z.core.$ZodIssue): { field: string; expected: string } {
  if (issue.code === "unrecognized_keys") {
    return { field: issue.keys.join(", "), expected: "no such field (unknown key)" };
  }
  const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(body)";
  return { field, expected: issue.message };
}

/**
 * Validates a value with a schema.
 *
 * @param schema the schema; its messages should say what is expected (`expected an integer …`)
 * @param value the parsed JSON or query object
 * @param what `request body` or `query`, for the message
 * @returns the typed value
 * @throws {HttpError} 400 naming the first bad field and what it expects
 */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { field, expected } = describeIssue(parsed.error.issues[0]);
  throw new HttpError(400, `Invalid ${what}: ${field}: ${expected}`, { field, expected });
}

/**
 * Reads and validates a JSON request body.
 *
 * @param c the Hono context
 * @param schema the body schema
 * @returns the typed body
 * @throws {HttpError} 400 when the body is not JSON or does not match
 */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `Request body is not valid JSON: ${(error as Error).message}`, {
      field: "(body)",
      expected: "a JSON object",
    });
  }
  return validate(schema, value, "request body");
}

/** A schema for an integer in [min, max] whose messages say so. */
export function intBetween(min: number, max: number) {
  const error = `expected an integer between ${min} and ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/** A schema for an integer given as query text, in [min, max]. */
export function queryIntBetween(min: number, max: number) {
  const error = `expected an integer between ${min} and ${max}`;
  return z.string({ error }).regex(/^-?\d+$/, { error }).transform(Number).pipe(
    intBetween(min, max),
  );
}

/**
 * @param code a RocketMQ response code
 * @returns the HTTP status for a refusal with that code
 */
export function httpStatusOf(code: number): ContentfulStatusCode {
  switch (code) {
    case ResponseCode.TOPIC_NOT_EXIST:
    case ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST:
    case ResponseCode.QUERY_NOT_FOUND:
    case ResponseCode.CONSUMER_NOT_ONLINE:
      return 404;
    case ResponseCode.NO_PERMISSION:
      return 403;
    case ResponseCode.SYSTEM_BUSY:
    case ResponseCode.SERVICE_NOT_AVAILABLE:
      return 503;
    case ResponseCode.MESSAGE_ILLEGAL:
    case ResponseCode.SYSTEM_ERROR:
    case ResponseCode.INVALID_PARAMETER:
      return 400;
    default:
      return 500;
  }
}

/** What a 400 for a body the client cut short (or never finished) names. */
const BODY_CUT = { field: "(body)", expected: "a complete body" } as const;

/**
 * Turns an error thrown by a route into its JSON response: {@linkcode HttpError} as given,
 * a blacklisted config key 403, other {@linkcode BrokerError}s by their response code (bad input is
 * SYSTEM_ERROR in RocketMQ, so 400), a request body the client cut short 400, anything else 500
 * (logged).
 *
 * @param context the broker (for the logger)
 * @param error what was thrown
 * @param c the Hono context
 * @returns the response
 */
export function errorResponse(context: BrokerAdminContext, error: Error, c: Context): Response {
  if (error instanceof HttpError) {
    return c.json({ error: error.message, ...error.detail }, error.status);
  }
  if (error instanceof ConfigBlackListError) {
    return c.json({ error: error.remark, code: error.code, keys: error.keys }, 403);
  }
  if (error instanceof BrokerError) {
    return c.json({ error: error.remark, code: error.code }, httpStatusOf(error.code));
  }
  if (isBodyReadError(error)) {
    return c.json({ error: `Cannot read the request body: ${error.message}`, ...BODY_CUT }, 400);
  }
  context.logger.error(
    `broker HTTP admin: ${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}`,
  );
  return c.json({ error: `Internal error: ${error.message}` }, 500);
}
