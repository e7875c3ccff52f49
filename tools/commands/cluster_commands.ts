/**
 * Cluster and broker commands of `mqadmin` (`shared/spec/config.md` §5–§6): clusterList and
 * brokerStatus (from GET_BROKER_RUNTIME_INFO), wipeWritePerm and addWritePerm (on every name
 * server), printing what RocketMQ 4.9.8's commands print.
 *
 * @module
 */

import type { AdminClient } from "../../client/admin_client.ts";
import type { ClusterInfo } from "../../client/topic_route.ts";
import { javaFormat } from "../_format.ts";
import { type CommandContext, type MQAdminCommand, MQAdminError, option } from "../command.ts";
import { CLUSTER_LIST_INTERVAL_SECONDS_MAX } from "../limits.ts";
import { brokerAddrsOfCluster, forEachBroker } from "./_command_util.ts";

const BASE_FORMAT = "%-16s  %-22s  %-4s  %-22s %-16s %19s %19s %10s %5s %6s%n";
const MORE_FORMAT = "%-16s  %-32s %14s %14s %14s %14s%n";

/** The first of a space-separated list of rates (`putTps`, `get…Tps`), 0 when absent. */
function firstRate(text: string | undefined): number {
  const value = Number.parseFloat((text ?? "").trim().split(" ")[0]);
  return Number.isFinite(value) ? value : 0;
}

function long(table: ReadonlyMap<string, string>, key: string): number {
  const value = Number.parseInt(table.get(key) ?? "", 10);
  return Number.isFinite(value) ? value : 0;
}

/** Every (cluster, broker name, id, address) of the clusters asked for, names sorted. */
function* brokersOf(info: ClusterInfo, cluster: string | undefined) {
  const clusters = cluster === undefined ? [...info.clusterAddrTable.keys()] : [cluster];
  for (const clusterName of clusters) {
    const names = [...(info.clusterAddrTable.get(clusterName) ?? [])].sort();
    for (const brokerName of names) {
      const addrs = info.brokerAddrTable.get(brokerName)?.brokerAddrs ?? new Map();
      for (const [id, addr] of addrs) yield { clusterName, brokerName, id, addr };
    }
  }
}

function baseRow(
  ctx: CommandContext,
  b: { clusterName: string; brokerName: string; id: number; addr: string },
  t: ReadonlyMap<string, string>,
): string {
  const earliest = t.get("earliestMessageTimeStamp") ?? "";
  const hour = earliest.length > 0 ? (ctx.clock.now() - Number(earliest)) / 3_600_000 : 0;
  const ratio = Number.parseFloat(t.get("commitLogDiskRatio") ?? "");
  const outTps = t.get("getTransferedTps") ?? t.get("getTransferredTps");
  return javaFormat(
    BASE_FORMAT,
    b.clusterName,
    b.brokerName,
    b.id,
    b.addr,
    t.get("brokerVersionDesc") ?? "",
    javaFormat(
      "%9.2f(%s,%sms)",
      firstRate(t.get("putTps")),
      t.get("sendThreadPoolQueueSize"),
      t.get("sendThreadPoolQueueHeadWaitTimeMills"),
    ),
    javaFormat(
      "%9.2f(%s,%sms)",
      firstRate(outTps),
      t.get("pullThreadPoolQueueSize"),
      t.get("pullThreadPoolQueueHeadWaitTimeMills"),
    ),
    t.get("pageCacheLockTimeMills") ?? "",
    javaFormat("%2.2f", Number.isFinite(hour) ? hour : 0),
    javaFormat("%.4f", Number.isFinite(ratio) ? ratio : 0),
  );
}

function moreRow(
  b: { clusterName: string; brokerName: string },
  t: ReadonlyMap<string, string>,
): string {
  return javaFormat(
    MORE_FORMAT,
    b.clusterName,
    b.brokerName,
    long(t, "msgPutTotalTodayMorning") - long(t, "msgPutTotalYesterdayMorning"),
    long(t, "msgGetTotalTodayMorning") - long(t, "msgGetTotalYesterdayMorning"),
    long(t, "msgPutTotalTodayNow") - long(t, "msgPutTotalTodayMorning"),
    long(t, "msgGetTotalTodayNow") - long(t, "msgGetTotalTodayMorning"),
  );
}

async function printClusters(ctx: CommandContext, admin: AdminClient): Promise<void> {
  const more = ctx.flags.has("m");
  const info = await admin.clusterInfo();
  ctx.out.write(
    more
      ? javaFormat(
        MORE_FORMAT,
        ...["#Cluster Name", "#Broker Name", "#InTotalYest", "#OutTotalYest"],
        ...["#InTotalToday", "#OutTotalToday"],
      )
      : javaFormat(
        BASE_FORMAT,
        ...["#Cluster Name", "#Broker Name", "#BID", "#Addr", "#Version", "#InTPS(LOAD)"],
        ...["#OutTPS(LOAD)", "#PCWait(ms)", "#Hour", "#SPACE"],
      ),
  );
  const failed: string[] = [];
  for (const b of brokersOf(info, ctx.flags.get("c"))) {
    let table: ReadonlyMap<string, string>;
    try {
      table = await admin.brokerRuntimeInfo(b.addr);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      failed.push(`${b.addr} (${error.message.split("\n")[0]})`);
      table = new Map();
    }
    ctx.out.write(more ? moreRow(b, table) : baseRow(ctx, b, table));
  }
  if (failed.length > 0) {
    throw new MQAdminError(`Cannot read runtime info of brokers ${failed.join(", ")}`);
  }
}

/**
 * Resolves after `ms`, or at once when `signal` aborts (the `-i` loops of clusterList, clusterRT).
 *
 * @param ms the wait
 * @param signal ends the wait early
 * @returns a promise settled when the wait ends
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

async function clusterList(ctx: CommandContext): Promise<void> {
  const admin = ctx.admin();
  const intervalSeconds = ctx.flags.has("i") ? ctx.flags.int("i", 1) : undefined;
  const tooLong = (intervalSeconds ?? 1) > CLUSTER_LIST_INTERVAL_SECONDS_MAX;
  if (intervalSeconds !== undefined && (intervalSeconds < 1 || tooLong)) {
    throw new MQAdminError(
      `Cannot print every ${intervalSeconds} s: -i takes 1 to ${CLUSTER_LIST_INTERVAL_SECONDS_MAX} seconds`,
    );
  }
  await printClusters(ctx, admin);
  while (intervalSeconds !== undefined && !ctx.signal.aborted) {
    await pause(intervalSeconds * 1000, ctx.signal);
    if (!ctx.signal.aborted) await printClusters(ctx, admin);
  }
}

async function brokerStatus(ctx: CommandContext): Promise<void> {
  const admin = ctx.admin();
  const target = ctx.flags.oneOf("b", "c");
  const addrs = target.short === "b"
    ? [target.value]
    : await brokerAddrsOfCluster(admin, target.value, true);
  const print = async (addr: string) => {
    const table = await admin.brokerRuntimeInfo(addr);
    for (const key of [...table.keys()].sort()) {
      ctx.out.write(
        target.short === "b"
          ? javaFormat("%-32s: %s%n", key, table.get(key))
          : javaFormat("%-24s %-32s: %s%n", addr, key, table.get(key)),
      );
    }
  };
  if (target.short === "b") await print(target.value);
  else await forEachBroker(ctx.out, addrs, "read the runtime info", print);
}

async function writePerm(ctx: CommandContext, kind: "wipe" | "add"): Promise<void> {
  const admin = ctx.admin();
  const brokerName = ctx.flags.require("b");
  const failed: string[] = [];
  for (const addr of admin.config.namesrvAddrs) {
    try {
      const counts = kind === "wipe"
        ? await admin.wipeWritePerm(brokerName, [addr])
        : await admin.addWritePerm(brokerName, [addr]);
      ctx.out.write(javaFormat(
        "%s write perm of broker[%s] in name server[%s] OK, %d%n",
        kind,
        brokerName,
        addr,
        counts.get(addr) ?? 0,
      ));
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      ctx.out.write(javaFormat(
        "%s write perm of broker[%s] in name server[%s] Failed%n%s%n",
        kind,
        brokerName,
        addr,
        error.message,
      ));
      failed.push(addr);
    }
  }
  if (failed.length > 0) {
    throw new MQAdminError(
      `Cannot ${kind} write perm of broker ${brokerName} in name servers ${failed.join(";")}`,
    );
  }
}

/** clusterList, brokerStatus, wipeWritePerm, addWritePerm. */
export const CLUSTER_COMMANDS: readonly MQAdminCommand[] = [
  {
    name: "clusterList",
    description: "List cluster infos",
    options: [
      option("m", "moreStats", "Print more stats", "switch"),
      option("i", "interval", "specify intervals numbers, it is in seconds"),
      option("c", "clusterName", "which cluster"),
    ],
    run: clusterList,
  },
  {
    name: "brokerStatus",
    description: "Fetch broker runtime status data",
    options: [
      option("b", "brokerAddr", "Broker address"),
      option("c", "clusterName", "which cluster"),
    ],
    run: brokerStatus,
  },
  {
    name: "wipeWritePerm",
    description: "Wipe write perm of broker in all name server you defined in the -n param",
    options: [option("b", "brokerName", "broker name", "required")],
    run: (ctx) => writePerm(ctx, "wipe"),
  },
  {
    name: "addWritePerm",
    description: "Add write perm of broker in all name server you defined in the -n param",
    options: [option("b", "brokerName", "broker name", "required")],
    run: (ctx) => writePerm(ctx, "add"),
  },
];
