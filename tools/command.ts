/**
 * What an `mqadmin` subcommand is and what it runs with (RocketMQ `SubCommand`): a name, a
 * description, its options, and a `run` that talks to the cluster through an {@linkcode AdminClient}
 * or a {@linkcode Producer} and prints to an injected writer, so commands are pure and testable.
 *
 * @module
 */

import type { Clock } from "../common/clock.ts";
import type { AdminClient } from "../client/admin_client.ts";
import type { Producer } from "../client/producer.ts";
import type { ParsedFlags } from "./_flags.ts";

/** One option of a command (RocketMQ `Option`). */
export interface OptionSpec {
  /** the one-letter name, e.g. `t` */
  readonly short: string;
  /** the long name, e.g. `topic` */
  readonly long: string;
  /** whether it takes a value */
  readonly hasArg: boolean;
  /** whether the command refuses to run without it */
  readonly required?: boolean;
  /** one line of help */
  readonly description: string;
}

/** Where a command prints. */
export interface OutputWriter {
  /**
   * Writes text as is (callers add the newlines).
   *
   * @param text the text
   */
  write(text: string): void;
}

/** What a command runs with. */
export interface CommandContext {
  /** the command's options */
  readonly flags: ParsedFlags;
  /** standard output */
  readonly out: OutputWriter;
  /** the time source (clusterList's `#Hour`) */
  readonly clock: Clock;
  /** aborted when the user interrupts (ends clusterList's `-i` loop) */
  readonly signal: AbortSignal;
  /** the name servers of `-n`, or of `NAMESRV_ADDR` when `-n` is absent */
  readonly namesrvAddrs: readonly string[];
  /**
   * The admin client of this run, created at first use and shut down after the command.
   *
   * @returns the admin client
   * @throws {MQAdminError} when no name server address is known
   */
  admin(): AdminClient;
  /**
   * A started producer of this run, shut down after the command.
   *
   * @param producerGroup its group
   * @param options its unit name (`queryMsgById -u`), part of its client id
   * @returns the started producer
   */
  producer(producerGroup: string, options?: { unitName?: string }): Promise<Producer>;
  /**
   * Saves a message body where the user can read it (RocketMQ writes
   * `/tmp/rocketmq/msgbodys/<msgId>`); absent when the host has no such place.
   *
   * @param msgId the message id, the file name
   * @param body the body
   * @returns the path written
   */
  saveMessageBody?(msgId: string, body: Uint8Array): Promise<string>;
  /**
   * Writes a text file, creating its folder (RocketMQ `MixAll.string2FileNotSafe`; consumerStatus
   * saves each client's running info to `<now>/<clientId>`); absent when the host has no files.
   *
   * @param path the path, relative to the working directory
   * @param text the content
   * @returns the path written
   */
  saveTextFile?(path: string, text: string): Promise<string>;
}

/** One `mqadmin` subcommand. */
export interface MQAdminCommand {
  /** the name typed after `mqadmin`, e.g. `updateTopic` */
  readonly name: string;
  /** one line for the command list */
  readonly description: string;
  /** its options (the global `-h` and `-n` are added by the dispatcher) */
  readonly options: readonly OptionSpec[];
  /**
   * Runs the command.
   *
   * @param ctx options, output and clients
   * @throws {MQAdminError} or a client error when the command fails
   */
  run(ctx: CommandContext): Promise<void>;
}

/** A command failed for a reason the command itself found (not found, partial failure, …). */
export class MQAdminError extends Error {
  /**
   * Creates the error.
   *
   * @param message what failed, in sentence case
   * @param options the underlying error
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MQAdminError";
  }
}

/**
 * Shorthand for an option of a command.
 *
 * @param short one letter
 * @param long the long name
 * @param description one line of help
 * @param kind `value` (takes a value), `required` (takes one, must be given) or `switch`
 * @returns the option
 */
export function option(
  short: string,
  long: string,
  description: string,
  kind: "value" | "required" | "switch" = "value",
): OptionSpec {
  return { short, long, description, hasArg: kind !== "switch", required: kind === "required" };
}
