/**
 * `mqadmin` for EdgeMQ: RocketMQ's administration commands (topics, clusters, groups, configs,
 * messages) over the wire protocol, as pure commands writing to an injected writer.
 *
 * @example
 * ```ts ignore
 * import { runMQAdmin } from "./mod.ts";
 * const out = { write: (text: string) => console.log(text.trimEnd()) };
 * const code = await runMQAdmin(["clusterList", "-n", "127.0.0.1:9876"], { out, err: out });
 * ```
 *
 * @module
 */

/** The dispatcher. */
export { formatCommandList, MQADMIN_COMMANDS, type MQAdminOptions, runMQAdmin } from "./mqadmin.ts";

/** Commands and what they run with. */
export {
  type CommandContext,
  type MQAdminCommand,
  MQAdminError,
  option,
  type OptionSpec,
  type OutputWriter,
} from "./command.ts";
export * from "./commands/mod.ts";
export * from "./limits.ts";
