/**
 * The `mqadmin` subcommands, one file per family.
 *
 * @module
 */

export { CLUSTER_COMMANDS } from "./cluster_commands.ts";
export { CONFIG_COMMANDS, formatConfigBlock } from "./config_commands.ts";
export { CONSUMER_STATUS_COMMANDS } from "./consumer_status_commands.ts";
export { GROUP_COMMANDS } from "./group_commands.ts";
export { KV_CONFIG_COMMANDS } from "./kv_config_commands.ts";
export { MAINTENANCE_COMMANDS } from "./maintenance_commands.ts";
export { MESSAGE_COMMANDS } from "./message_commands.ts";
export { MESSAGE_PRINT_COMMANDS } from "./message_print_commands.ts";
export { QUEUE_READ_COMMANDS } from "./queue_read_commands.ts";
export { SEND_RT_COMMANDS } from "./send_rt_commands.ts";
export { compute24HourSum, STATS_COMMANDS } from "./stats_commands.ts";
export { TOPIC_COMMANDS } from "./topic_commands.ts";
export { TOPIC_EXTRA_COMMANDS } from "./topic_extra_commands.ts";
