/**
 * Configuration commands of `mqadmin` (`shared/spec/config.md` §5–§6): getNamesrvConfig,
 * updateNamesrvConfig, getBrokerConfig and updateBrokerConfig. The get commands print RocketMQ's
 * layout: a `============<addr>============` line, then per key the key left-justified in 50
 * columns, `=  `, the value.
 *
 * @module
 */

import type { AdminClient } from "../../client/admin_client.ts";
import { javaFormat } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, option } from "../command.ts";
import { brokerAddrsOfCluster, forEachBroker, mastersAndSlaves } from "./_command_util.ts";

/**
 * One config block as `mqadmin getNamesrvConfig` / `getBrokerConfig` print it (config.md §5).
 *
 * @param heading the text between the `=` runs, e.g. the address or `Master: <addr>`
 * @param config the keys and values, in the order to print
 * @returns the lines
 * @example
 * ```ts
 * import { formatConfigBlock } from "./config_commands.ts";
 * const text = formatConfigBlock("127.0.0.1:9876", new Map([["listenPort", "9876"]]));
 * if (text !== `============127.0.0.1:9876============\nlistenPort${" ".repeat(40)}=  9876\n`) {
 *   throw new Error(text);
 * }
 * ```
 */
export function formatConfigBlock(heading: string, config: ReadonlyMap<string, string>): string {
  let text = `============${heading}============\n`;
  for (const [key, value] of config) text += javaFormat("%-50s=  %s\n", key, value);
  return text;
}

async function getNamesrvConfig(ctx: CommandContext): Promise<void> {
  const configs = await ctx.admin().getNamesrvConfig(ctx.namesrvAddrs);
  for (const [addr, config] of configs) ctx.out.write(formatConfigBlock(addr, config));
}

/** The single `-k`/`-v` pair as properties. */
function keyValue(ctx: CommandContext): Map<string, string> {
  return new Map([[ctx.flags.require("k"), ctx.flags.require("v")]]);
}

async function updateNamesrvConfig(ctx: CommandContext): Promise<void> {
  const properties = keyValue(ctx);
  const [[key, value]] = properties;
  const warnings = await ctx.admin().updateNamesrvConfig(properties, ctx.namesrvAddrs);
  ctx.out.write(javaFormat(
    "update name server config success!%s\n%s : %s\n",
    ctx.flags.has("n") ? `[${ctx.namesrvAddrs.join(", ")}]` : "",
    key,
    value,
  ));
  for (const [addr, list] of warnings) for (const w of list) ctx.out.write(`WARN ${addr}: ${w}\n`);
}

async function printBrokerConfig(
  ctx: CommandContext,
  admin: AdminClient,
  heading: string,
  addr: string,
): Promise<void> {
  ctx.out.write(formatConfigBlock(heading, await admin.getBrokerConfig(addr)));
  ctx.out.write("\n");
}

async function getBrokerConfig(ctx: CommandContext): Promise<void> {
  const admin = ctx.admin();
  const target = ctx.flags.oneOf("b", "c");
  if (target.short === "b") {
    await printBrokerConfig(ctx, admin, target.value, target.value);
    return;
  }
  for (const { master, slaves } of await mastersAndSlaves(admin, target.value)) {
    if (master === undefined) continue;
    await printBrokerConfig(ctx, admin, `Master: ${master}`, master);
    for (const slave of slaves) {
      await printBrokerConfig(ctx, admin, `My Master: ${master}=====Slave: ${slave}`, slave);
    }
  }
}

async function updateBrokerConfig(ctx: CommandContext): Promise<void> {
  const properties = keyValue(ctx);
  const target = ctx.flags.oneOf("b", "c");
  const admin = ctx.admin();
  const addrs = target.short === "b"
    ? [target.value]
    : await brokerAddrsOfCluster(admin, target.value, ctx.flags.has("a"));
  const update = async (addr: string) => {
    const warnings = await admin.updateBrokerConfig(addr, properties);
    ctx.out.write(javaFormat("update broker config success, %s\n", addr));
    for (const warning of warnings) ctx.out.write(`WARN ${addr}: ${warning}\n`);
  };
  if (target.short === "b") await update(target.value);
  else await forEachBroker(ctx.out, addrs, "update broker config", update);
}

/** getNamesrvConfig, updateNamesrvConfig, getBrokerConfig, updateBrokerConfig. */
export const CONFIG_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "getNamesrvConfig",
    description: "Get configs of name server",
    options: [],
    run: getNamesrvConfig,
  },
  {
    name: "updateNamesrvConfig",
    description: "Update configs of name server",
    options: [
      option("k", "key", "config key", "required"),
      option("v", "value", "config value", "required"),
    ],
    run: updateNamesrvConfig,
  },
  {
    name: "getBrokerConfig",
    description: "Get broker config by cluster or special broker",
    options: [
      option("b", "brokerAddr", "get which broker"),
      option("c", "clusterName", "get which cluster"),
    ],
    run: getBrokerConfig,
  },
  {
    name: "updateBrokerConfig",
    description: "Update broker's config",
    options: [
      option("b", "brokerAddr", "update which broker"),
      option("c", "clusterName", "update which cluster"),
      option("a", "updateAllBroker", "update all brokers include slave"),
      option("k", "key", "config key", "required"),
      option("v", "value", "config value", "required"),
    ],
    run: updateBrokerConfig,
  },
];
