/**
 * Typed client errors named after RocketMQ's `MQClientException` and `MQBrokerException`, with
 * RocketMQ's message wording so a RocketMQ user recognises them (including the FAQ suffix
 * RocketMQ 5.x attaches), and the option error of {@linkcode ClientConfigError}.
 *
 * RocketMQ words these messages itself; we keep its wording verbatim (STYLE.md: RocketMQ's nouns as
 * it spells them), which is why some end with a period.
 *
 * @module
 */

/**
 * RocketMQ 5.x `FAQUrl.DEFAULT_FAQ_URL`; every FAQ link of RocketMQ 5.x points there.
 *
 * @example
 * ```ts
 * import { FAQ_URL, MQClientError } from "./client_error.ts";
 * const error = new MQClientError("No route info of this topic: T");
 * if (!error.message.endsWith(FAQ_URL)) throw new Error("the default FAQ line is attached");
 * ```
 */
export const FAQ_URL = "https://rocketmq.apache.org/docs/bestPractice/06FAQ";

const TIP_BEGIN = "\nSee ";
const TIP_END = " for further details.";
const MORE_INFORMATION = "For more information, please visit the url, ";

/**
 * RocketMQ `FAQUrl.suggestTodo`: the "see the FAQ" suffix.
 *
 * @param url the FAQ page
 * @returns `\nSee <url> for further details.`
 * @example
 * ```ts
 * import { suggestTodo } from "./client_error.ts";
 * const message = "No route info of this topic: T" + suggestTodo();
 * if (!message.endsWith(" for further details.")) throw new Error(message);
 * ```
 */
export function suggestTodo(url: string = FAQ_URL): string {
  return TIP_BEGIN + url + TIP_END;
}

/**
 * RocketMQ `FAQUrl.attachDefaultURL`: appends the "more information" line unless the text already
 * carries a "See … for further details." suffix.
 *
 * @param errorMessage the bare message
 * @returns the message as RocketMQ's exceptions show it
 * @example
 * ```ts
 * import { attachDefaultUrl, FAQ_URL } from "./client_error.ts";
 * const message = attachDefaultUrl("The producer service state not OK");
 * if (!message.endsWith(`please visit the url, ${FAQ_URL}`)) throw new Error(message);
 * ```
 */
export function attachDefaultUrl(errorMessage: string): string {
  if (errorMessage.includes(TIP_BEGIN)) return errorMessage;
  return `${errorMessage}\n${MORE_INFORMATION}${FAQ_URL}`;
}

/**
 * RocketMQ `ClientErrorCode`: response codes of errors raised by the client itself.
 *
 * @example
 * ```ts
 * import { ClientErrorCode, MQClientError } from "./client_error.ts";
 * const error = new MQClientError("No route info of this topic: T", {
 *   responseCode: ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION,
 * });
 * if (error.responseCode !== 10005) throw error;
 * ```
 */
export const ClientErrorCode = {
  CONNECT_BROKER_EXCEPTION: 10001,
  ACCESS_BROKER_TIMEOUT: 10002,
  BROKER_NOT_EXIST_EXCEPTION: 10003,
  NO_NAME_SERVER_EXCEPTION: 10004,
  NOT_FOUND_TOPIC_EXCEPTION: 10005,
  REQUEST_TIMEOUT_EXCEPTION: 10006,
  CREATE_REPLY_MESSAGE_EXCEPTION: 10007,
} as const;

/**
 * Options of {@linkcode MQClientError}.
 *
 * @example
 * ```ts
 * import { MQClientError, type MQClientErrorOptions } from "./client_error.ts";
 * const options: MQClientErrorOptions = { responseCode: 13, codeInMessage: true };
 * const error = new MQClientError("the message body size over max value", options);
 * if (!error.message.startsWith("CODE: 13  DESC: ")) throw error;
 * ```
 */
export interface MQClientErrorOptions {
  /** a RocketMQ `ResponseCode` or {@linkcode ClientErrorCode}; -1 when none applies */
  responseCode?: number;
  /**
   * word the message `CODE: <code>  DESC: <text>`, as RocketMQ's `MQClientException(int, String)`
   * constructor does (validation errors)
   */
  codeInMessage?: boolean;
  /** the underlying error */
  cause?: unknown;
}

/**
 * RocketMQ's `MQClientException`: a client-side failure (bad message, no route, service state,
 * name server error). `message` is worded as RocketMQ words it; `errorMessage` is the bare text.
 *
 * @example
 * ```ts
 * import { MQClientError } from "./client_error.ts";
 * const error = new MQClientError("the message body length is zero", {
 *   responseCode: 13,
 *   codeInMessage: true,
 * });
 * if (!error.message.startsWith("CODE: 13  DESC: the message body length is zero")) throw error;
 * ```
 */
export class MQClientError extends Error {
  /** response code, or -1 */
  readonly responseCode: number;
  /** the message without RocketMQ's decorations */
  readonly errorMessage: string;

  /**
   * Creates the error as RocketMQ's `MQClientException` constructors do: the message gets the
   * default FAQ line unless it already has a "See …" suffix.
   *
   * @param errorMessage the bare message
   * @param options response code, wording and cause
   */
  constructor(errorMessage: string, options: MQClientErrorOptions = {}) {
    const responseCode = options.responseCode ?? -1;
    const text = options.codeInMessage === true
      ? `CODE: ${responseCode}  DESC: ${errorMessage}`
      : errorMessage;
    super(attachDefaultUrl(text), { cause: options.cause });
    this.name = "MQClientError";
    this.responseCode = responseCode;
    this.errorMessage = errorMessage;
  }
}

/**
 * RocketMQ's `MQBrokerException`: the broker answered with an error code.
 *
 * @example
 * ```ts
 * import { MQBrokerError } from "./client_error.ts";
 * const error = new MQBrokerError(2, "[REJECTREQUEST]system busy", "127.0.0.1:10911");
 * if (error.responseCode !== 2) throw error;
 * ```
 */
export class MQBrokerError extends Error {
  /** the response code the broker answered */
  readonly responseCode: number;
  /** the broker's remark */
  readonly errorMessage: string;
  /** the broker that answered, if known */
  readonly brokerAddr: string | undefined;

  /**
   * Creates the error as RocketMQ's `MQBrokerException(code, remark, addr)`.
   *
   * @param responseCode the response code
   * @param errorMessage the remark
   * @param brokerAddr the broker address
   */
  constructor(responseCode: number, errorMessage: string | undefined, brokerAddr?: string) {
    const where = brokerAddr === undefined ? "" : ` BROKER: ${brokerAddr}`;
    super(attachDefaultUrl(`CODE: ${responseCode}  DESC: ${errorMessage ?? "null"}${where}`));
    this.name = "MQBrokerError";
    this.responseCode = responseCode;
    this.errorMessage = errorMessage ?? "";
    this.brokerAddr = brokerAddr;
  }
}

/**
 * One rejected option.
 *
 * @example
 * ```ts
 * import { ClientConfigError, type ClientConfigIssue } from "./client_error.ts";
 * const issue: ClientConfigIssue = { option: "sendMsgTimeout", value: -1, expected: "an integer" };
 * const error = new ClientConfigError([issue]);
 * if (error.message !== "Invalid option sendMsgTimeout: -1 (expected an integer)") throw error;
 * ```
 */
export interface ClientConfigIssue {
  /** the option name, e.g. `heartbeatBrokerInterval` */
  readonly option: string;
  /** the value given */
  readonly value: unknown;
  /** what the option accepts */
  readonly expected: string;
}

/**
 * Bad client, producer or admin options. The message names every bad option and what it expects,
 * e.g. `Invalid option heartbeatBrokerInterval: -1 (expected an integer between 10 and 86400000)`.
 *
 * @example
 * ```ts
 * import { ClientConfigError } from "./client_error.ts";
 * import { Producer } from "./producer.ts";
 * try {
 *   new Producer({ producerGroup: "PG", namesrvAddr: "127.0.0.1:9876", sendMsgTimeout: -1 });
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof ClientConfigError)) throw error;
 *   if (error.issues[0].option !== "sendMsgTimeout") throw error;
 * }
 * ```
 */
export class ClientConfigError extends Error {
  /** the rejected options */
  readonly issues: readonly ClientConfigIssue[];

  /**
   * Creates the error from every rejected option.
   *
   * @param issues the rejected options, at least one
   */
  constructor(issues: readonly ClientConfigIssue[]) {
    super(
      issues.map((i) => `Invalid option ${i.option}: ${show(i.value)} (expected ${i.expected})`)
        .join("; "),
    );
    this.name = "ClientConfigError";
    this.issues = issues;
  }
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined || typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (typeof value === "function") return "a function";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch (error) {
    if (error instanceof TypeError) return Object.prototype.toString.call(value);
    throw error;
  }
}
