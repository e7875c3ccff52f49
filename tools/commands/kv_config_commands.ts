/**
 * KV config commands of `mqadmin` (RocketMQ `UpdateKvConfigCommand`, `DeleteKvConfigCommand`,
 * `UpdateOrderConfCommand`): updateKvConfig, deleteKvConfig and updateOrderConf. Writes go to every
 * name server of `-n` (RocketMQ `putKVConfigValue` / `deleteKVConfigValue`); reads ask one.
 * updateOrderConf keeps a topic's `brokerName:queueNums` list in the ORDER_TOPIC_CONFIG namespace,
 * which name servers with `orderMessageEnable=true` hand to clients as the route's `orderTopicConf`.
 *
 * @module
 */

import { FlagError } from "../_flags.ts";
import { javaFormat } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";
import { NAMESPACE_ORDER_TOPIC_CONFIG } from "./_command_util.ts";

/** RocketMQ reads each queue count with `Integer.parseInt`; more would break its clients. */
const ORDER_CONF_QUEUE_NUMS_MAX = 2 ** 31 - 1;
const ORDER_CONF_ITEM = /^([^:;]+):(\d+)$/;

async function updateKvConfig(ctx: CommandContext): Promise<void> {
  const { flags } = ctx;
  await ctx.admin().putKVConfig(flags.require("s"), flags.require("k"), flags.require("v"));
  ctx.out.write(javaFormat("create or update kv config to namespace success.%n"));
}

async function deleteKvConfig(ctx: CommandContext): Promise<void> {
  await ctx.admin().deleteKVConfig(ctx.flags.require("s"), ctx.flags.require("k"));
  ctx.out.write(javaFormat("delete kv config from namespace success.%n"));
}

/**
 * Checks an order conf the way clients read it (RocketMQ `topicRouteData2TopicPublishInfo` splits on
 * `;` and `:` and parses the count with `Integer.parseInt`, so a malformed item fails every Java
 * producer's route update for the topic). Trailing empty items are dropped, as Java's split does.
 */
function checkOrderConf(orderConf: string): void {
  const items = orderConf.split(";");
  while (items.length > 0 && items.at(-1) === "") items.pop();
  for (const item of items) {
    const match = ORDER_CONF_ITEM.exec(item);
    if (match === null || Number(match[2]) > ORDER_CONF_QUEUE_NUMS_MAX) {
      throw new FlagError(
        `invalid value "${orderConf}" for option -v (orderConf): item "${item}" is not ` +
          `brokerName:queueNums (queueNums 0 to ${ORDER_CONF_QUEUE_NUMS_MAX}), ` +
          "e.g. broker-a:4;broker-b:4",
      );
    }
  }
}

// RocketMQ prints the three results below without a final newline; the line is ended here so a
// shell prompt or the next script line does not run on after it.
async function updateOrderConf(ctx: CommandContext): Promise<void> {
  const { flags, out } = ctx;
  const topic = flags.require("t");
  const method = flags.require("m");
  if (method === "get") {
    const orderConf = await ctx.admin().getKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic);
    if (orderConf === undefined) {
      // RocketMQ fails too: GET_KV_CONFIG answers QUERY_NOT_FOUND and getKVConfigValue throws.
      throw new MQAdminError(
        `Cannot find orderConf of topic ${topic}: no config item in namespace ` +
          `${NAMESPACE_ORDER_TOPIC_CONFIG} of the name server`,
      );
    }
    out.write(javaFormat("get orderConf success. topic=[%s], orderConf=[%s] %n", topic, orderConf));
  } else if (method === "put") {
    const orderConf = flags.get("v") ?? "";
    if (orderConf === "") {
      throw new FlagError(
        "missing option -v (orderConf): -m put needs the order conf, e.g. broker-a:4;broker-b:4",
      );
    }
    checkOrderConf(orderConf);
    await ctx.admin().putKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic, orderConf);
    out.write(
      javaFormat("update orderConf success. topic=[%s], orderConf=[%s]%n", topic, orderConf),
    );
  } else if (method === "delete") {
    await ctx.admin().deleteKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic);
    out.write(javaFormat("delete orderConf success. topic=[%s]%n", topic));
  } else {
    // RocketMQ prints the usage and exits 0; a typo here is a bad command line, refused as such.
    throw new FlagError(
      `invalid value "${method}" for option -m (method): expected put, get or delete`,
    );
  }
}

/** updateKvConfig, deleteKvConfig, updateOrderConf. */
export const KV_CONFIG_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "updateKvConfig",
    description: "Create or update KV config",
    options: [
      option("s", "namespace", "set the namespace", "required"),
      option("k", "key", "set the key name", "required"),
      option("v", "value", "set the key value", "required"),
    ],
    run: updateKvConfig,
  },
  {
    name: "deleteKvConfig",
    description: "Delete KV config",
    options: [
      option("s", "namespace", "set the namespace", "required"),
      option("k", "key", "set the key name", "required"),
    ],
    run: deleteKvConfig,
  },
  {
    name: "updateOrderConf",
    description: "Create or update or delete order conf",
    options: [
      option("t", "topic", "topic name", "required"),
      option("v", "orderConf", "set order conf [eg. brokerName1:num;brokerName2:num]"),
      option("m", "method", "option type [eg. put|get|delete]", "required"),
    ],
    run: updateOrderConf,
  },
];
