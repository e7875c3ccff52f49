/**
 * The `mqadmin` dispatcher (RocketMQ `MQAdminStartup`): finds the subcommand, parses its options,
 * runs it with an admin client on the name servers of `-n` (or `NAMESRV_ADDR`), prints its output
 * to an injected writer and turns failures into one clear message and exit code 1. No `Deno.*`:
 * `main.ts` supplies arguments, environment, writers and signals.
 *
 * @module
 */

import { AssertionError } from "node:assert/strict";
import type { Clock } from "../common/clock.ts";
import { systemClock } from "../common/clock.ts";
import { AdminClient, type AdminClientOptions } from "../client/admin_client.ts";
import { parseNamesrvAddr } from "../client/client_config.ts";
import { MQClientManager } from "../client/mq_client_manager.ts";
import { Producer } from "../client/producer.ts";
import { RemotingConnectError } from "../protocol/remoting_error.ts";
import { FlagError, formatUsage, GLOBAL_OPTIONS, type ParsedFlags, parseFlags } from "./_flags.ts";
import { javaFormat } from "./_format.ts";
import { ERROR_CAUSES_SHOWN_MAX } from "./limits.ts";
import {
  type CommandContext,
  type MQAdminCommand,
  MQAdminError,
  type OutputWriter,
} from "./command.ts";
import { CLUSTER_COMMANDS } from "./commands/cluster_commands.ts";
import { CONFIG_COMMANDS } from "./commands/config_commands.ts";
import { CONSUMER_STATUS_COMMANDS } from "./commands/consumer_status_commands.ts";
import { GROUP_COMMANDS } from "./commands/group_commands.ts";
import { KV_CONFIG_COMMANDS } from "./commands/kv_config_commands.ts";
import { MAINTENANCE_COMMANDS } from "./commands/maintenance_commands.ts";
import { SEND_RT_COMMANDS } from "./commands/send_rt_commands.ts";
import { STATS_COMMANDS } from "./commands/stats_commands.ts";
import { OFFSET_COMMANDS } from "./commands/offset_commands.ts";
import { MESSAGE_COMMANDS } from "./commands/message_commands.ts";
import { MESSAGE_PRINT_COMMANDS } from "./commands/message_print_commands.ts";
import { QUEUE_READ_COMMANDS } from "./commands/queue_read_commands.ts";
import { TOPIC_COMMANDS } from "./commands/topic_commands.ts";
import { TOPIC_EXTRA_COMMANDS } from "./commands/topic_extra_commands.ts";

/** Every subcommand, in the order `mqadmin -h` lists them. */
export const MQADMIN_COMMANDS: readonly MQAdminCommand[] = [
  ...TOPIC_COMMANDS,
  ...TOPIC_EXTRA_COMMANDS,
  ...CLUSTER_COMMANDS,
  ...GROUP_COMMANDS,
  ...CONSUMER_STATUS_COMMANDS,
  ...OFFSET_COMMANDS,
  ...CONFIG_COMMANDS,
  ...KV_CONFIG_COMMANDS,
  ...MESSAGE_COMMANDS,
  ...MESSAGE_PRINT_COMMANDS,
  ...QUEUE_READ_COMMANDS,
  ...MAINTENANCE_COMMANDS,
  ...STATS_COMMANDS,
  ...SEND_RT_COMMANDS,
];

/** What {@linkcode runMQAdmin} runs with. */
export interface MQAdminOptions {
  /** standard output */
  out: OutputWriter;
  /** standard error: error messages and usage after a bad command line */
  err: OutputWriter;
  /** the name servers when `-n` is absent (the `NAMESRV_ADDR` variable) */
  namesrvAddr?: string;
  /** client options and I/O for the admin client and producers (tests: loopback IP, quiet logs) */
  client?: Omit<AdminClientOptions, "namesrvAddr">;
  /** time source; default the system clock */
  clock?: Clock;
  /** aborted on interrupt; ends clusterList's `-i` loop */
  signal?: AbortSignal;
  /** where queryMsgById saves bodies; absent: no `Message Body Path:` line */
  saveMessageBody?: (msgId: string, body: Uint8Array) => Promise<string>;
  /** where consumerStatus saves running info; absent: its file column shows `-` */
  saveTextFile?: (path: string, text: string) => Promise<string>;
  /** the commands; default {@linkcode MQADMIN_COMMANDS} */
  commands?: readonly MQAdminCommand[];
}

/**
 * The command list `mqadmin` and `mqadmin -h` print.
 *
 * @param commands the commands
 * @returns the text
 */
export function formatCommandList(commands: readonly MQAdminCommand[] = MQADMIN_COMMANDS): string {
  let text = "usage: mqadmin <command> [-n <namesrvAddr>] [options]\n\n";
  text += "The most commonly used mqadmin commands are:\n";
  for (const c of commands) text += javaFormat("   %-20s %s%n", c.name, c.description);
  text += "\nSee 'mqadmin help <command>' for more information on a specific command.\n";
  return text;
}

function usageOf(command: MQAdminCommand): string {
  return formatUsage(`mqadmin ${command.name}`, [...GLOBAL_OPTIONS, ...command.options]);
}

/** Clients of one run, created on first use and closed at the end. */
class RunClients {
  readonly #options: MQAdminOptions;
  readonly #namesrvText: string | undefined;
  #admin: AdminClient | undefined;
  readonly #producers: Producer[] = [];

  constructor(options: MQAdminOptions, namesrvText: string | undefined) {
    this.#options = options;
    this.#namesrvText = namesrvText;
  }

  #namesrv(): string {
    if (this.#namesrvText === undefined) {
      throw new MQAdminError(
        "Cannot find a name server address: pass -n host:port or set NAMESRV_ADDR",
      );
    }
    return this.#namesrvText;
  }

  admin(): AdminClient {
    this.#admin ??= new AdminClient({ ...this.#options.client, namesrvAddr: this.#namesrv() });
    return this.#admin;
  }

  async producer(producerGroup: string, options: { unitName?: string } = {}): Promise<Producer> {
    const producer = new Producer({
      ...this.#options.client,
      ...(options.unitName === undefined ? {} : { unitName: options.unitName }),
      namesrvAddr: this.#namesrv(),
      producerGroup,
      clientManager: new MQClientManager(),
    });
    this.#producers.push(producer);
    await producer.start();
    return producer;
  }

  async close(): Promise<void> {
    for (const p of this.#producers) if (p.state === "RUNNING") await p.shutdown();
    await this.#admin?.shutdown();
  }
}

function firstLine(error: Error): string {
  return error.message.split("\n")[0];
}

/** One line for a failed command: connect failures name the name server or broker. */
function describeFailure(command: string, error: Error, namesrvAddrs: readonly string[]): string {
  if (error instanceof RemotingConnectError) {
    const prefix = `Cannot connect to ${error.address}: `;
    const reason = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    const role = namesrvAddrs.includes(error.address) ? "name server" : "broker";
    return `Cannot connect to ${role} ${error.address}: ${reason}`;
  }
  if (error instanceof MQAdminError) return error.message;
  let text = `Cannot run ${command}: ${firstLine(error)}`;
  let cause = error.cause;
  for (let depth = 0; cause instanceof Error && depth < ERROR_CAUSES_SHOWN_MAX; depth++) {
    text += `; caused by ${firstLine(cause)}`;
    cause = cause.cause;
  }
  return text;
}

function namesrvAddrsOf(flags: ParsedFlags, fallback: string | undefined): readonly string[] {
  const text = flags.get("n") ?? fallback;
  return text === undefined ? [] : parseNamesrvAddr(text);
}

async function execute(
  command: MQAdminCommand,
  flags: ParsedFlags,
  options: MQAdminOptions,
): Promise<number> {
  let namesrvAddrs: readonly string[] = [];
  const clients = new RunClients(options, flags.get("n") ?? options.namesrvAddr);
  try {
    namesrvAddrs = namesrvAddrsOf(flags, options.namesrvAddr);
    const ctx: CommandContext = {
      flags,
      out: options.out,
      clock: options.clock ?? systemClock,
      signal: options.signal ?? new AbortController().signal,
      namesrvAddrs,
      admin: () => clients.admin(),
      producer: (group, producerOptions) => clients.producer(group, producerOptions),
      saveMessageBody: options.saveMessageBody,
      saveTextFile: options.saveTextFile,
    };
    await command.run(ctx);
    return 0;
  } catch (error) {
    if (!(error instanceof Error) || error instanceof AssertionError) throw error;
    options.err.write(`${describeFailure(command.name, error, namesrvAddrs)}\n`);
    if (error instanceof FlagError) options.err.write(usageOf(command));
    return 1;
  } finally {
    await clients.close();
  }
}

/**
 * Runs one `mqadmin` command line: `mqadmin <command> [options]`, `mqadmin -h`,
 * `mqadmin help <command>`, `mqadmin <command> -h`.
 *
 * @param argv the arguments after `mqadmin`
 * @param options writers, name servers, client I/O, clock, signal
 * @returns the exit code: 0 on success, 1 on a bad command line or a failed command
 * @example
 * ```ts
 * import { runMQAdmin } from "./mqadmin.ts";
 * let text = "";
 * const out = { write: (t: string) => void (text += t) };
 * const code = await runMQAdmin(["-h"], { out, err: out });
 * if (code !== 0 || !text.includes("updateTopic")) throw new Error(text);
 * ```
 */
export async function runMQAdmin(
  argv: readonly string[],
  options: MQAdminOptions,
): Promise<number> {
  const commands = options.commands ?? MQADMIN_COMMANDS;
  // An empty NAMESRV_ADDR counts as unset.
  options = { ...options, namesrvAddr: options.namesrvAddr?.trim() || undefined };
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help") {
    options.out.write(formatCommandList(commands));
    return 0;
  }
  const wanted = name === "help" && rest.length > 0 ? rest[0] : name;
  const command = commands.find((c) => c.name === wanted);
  if (command === undefined) {
    options.err.write(
      `Cannot find command ${wanted}: run mqadmin -h to list the commands\n`,
    );
    return 1;
  }
  if (name === "help") {
    options.out.write(usageOf(command));
    return 0;
  }
  let flags: ParsedFlags;
  try {
    flags = parseFlags(rest, [...GLOBAL_OPTIONS, ...command.options]);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    options.err.write(`Cannot run ${command.name}: ${error.message}\n${usageOf(command)}`);
    return 1;
  }
  if (flags.has("h")) {
    options.out.write(usageOf(command));
    return 0;
  }
  return await execute(command, flags, options);
}
