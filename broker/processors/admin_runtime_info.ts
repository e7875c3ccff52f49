/**
 * The GET_BROKER_RUNTIME_INFO table (RocketMQ 4.9.8 `AdminBrokerProcessor.prepareRuntimeInfo`
 * plus `DefaultMessageStore.getRuntimeInfo`, `StoreStatsService.getRuntimeInfo` and
 * `ScheduleMessageService.buildRunningStats`): every key of 4.9.8's table, which
 * `mqadmin clusterList` / `brokerStatus` (`shared/spec/config.md` §5) and rocketmq-exporter's
 * `BrokerRuntimeStats` read (the exporter parses each without a null check), with values as Java
 * writes them, plus the 5.x spelling `getTransferredTps` and 5.x's `brokerActive`.
 *
 * Features this broker does not have report RocketMQ's values for them switched off: no transient
 * store pool (`remainTransientStoreBufferNumbs` is `Integer.MAX_VALUE`, no
 * `remainHowManyDataToCommit`), no transaction pool (`EndTransactionQueueSize` 0, its capacity from
 * the config), no page-cache lock wait (`pageCacheLockTimeMills` 0).
 *
 * @module
 */
import { diskUsedPercent } from "../../store/file_system.ts";
import { RMQ_SYS_SCHEDULE_TOPIC } from "../topic_validator.ts";
import { formatJavaDouble } from "../../common/java_double.ts";
import { TPS_WINDOWS_SECONDS } from "../stats/broker_stats.ts";
import type { AdminRequestQueueStats, BrokerAdminContext } from "./admin_context.ts";

/** Java's `Integer.MAX_VALUE`: `TransientStorePool.availableBufferNums()` with the pool off. */
const TRANSIENT_STORE_POOL_OFF_BUFFERS = 2_147_483_647;

/** MQVersion names of the ordinals EdgeMQ reports. */
const VERSION_NAMES: ReadonlyMap<number, string> = new Map([[409, "V4_9_8"]]);

/**
 * @param version an MQVersion ordinal
 * @returns its name (`V4_9_8` for 409), or `V<ordinal>` for one EdgeMQ does not know
 */
export function versionDesc(version: number): string {
  return VERSION_NAMES.get(version) ?? `V${version}`;
}

/**
 * Formats bytes as RocketMQ's `MixAll.humanReadableByteCount(bytes, false)`.
 *
 * @param bytes a byte count
 * @returns e.g. `512 B`, `1.5 KiB`, `2.0 GiB`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { humanReadableByteCount } from "./admin_runtime_info.ts";
 * assert.equal(humanReadableByteCount(1536), "1.5 KiB");
 * ```
 */
export function humanReadableByteCount(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const exp = Math.min(6, Math.floor(Math.log(bytes) / Math.log(1024)));
  return `${(bytes / Math.pow(1024, exp)).toFixed(1)} ${"KMGTPE"[exp - 1]}iB`;
}

/**
 * Formats an uptime as RocketMQ's `StoreStatsService.getFormatRuntime`.
 *
 * @param elapsedMs time since boot
 * @returns `[ D days, H hours, M minutes, S seconds ]`
 */
export function formatRuntime(elapsedMs: number): string {
  const ms = Math.max(0, elapsedMs);
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor((ms % 86_400_000) / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `[ ${days} days, ${hours} hours, ${minutes} minutes, ${seconds} seconds ]`;
}

const NO_QUEUES: AdminRequestQueueStats = {
  sendQueueSize: 0,
  pullQueueSize: 0,
  queryQueueSize: 0,
  sendQueueHeadWaitMs: 0,
  pullQueueHeadWaitMs: 0,
  queryQueueHeadWaitMs: 0,
};

/**
 * The used fraction of the volume holding a path, as RocketMQ's `getDiskPartitionSpaceUsedPercent`.
 *
 * @param context the broker
 * @param path a store folder
 * @returns used ÷ (used + free) in 0..1, rounded up to a whole percent; -1 when the volume
 *   reports no capacity
 */
export async function diskUsedRatio(context: BrokerAdminContext, path: string): Promise<number> {
  const percent = diskUsedPercent(await context.fs.diskUsage(path));
  // Rounded up to a whole percent, as Java's (0.27 for 26.2 %); the epsilon keeps an exact
  // whole percent computed in floating point from rounding up a step.
  return percent === undefined ? -1 : Math.ceil(percent - 1e-9) / 100;
}

/** A key writer of the table. */
type Put = (key: string, value: string | number) => void;

/**
 * Builds the runtime table.
 *
 * @param context the broker
 * @returns key → text value; every key of RocketMQ 4.9.8's table is present
 */
export async function buildRuntimeInfo(context: BrokerAdminContext): Promise<Map<string, string>> {
  const info = new Map<string, string>();
  const put: Put = (key, value) => info.set(key, String(value));
  const store = context.messageStore;
  const s = store.stats();
  const nowMs = context.clock.now();
  // store (StoreStatsService.getRuntimeInfo, DefaultMessageStore.getRuntimeInfo)
  put("bootTimestamp", context.bootTimestamp);
  put("runtime", formatRuntime(nowMs - context.bootTimestamp));
  put("putMessageTimesTotal", s.putMessageTimesTotal);
  put("putMessageFailedTimes", s.putMessageFailedTimes);
  put("putMessageSizeTotal", s.putMessageSizeTotal);
  put(
    "putMessageAverageSize",
    formatJavaDouble(s.putMessageSizeTotal / Math.max(1, s.putMessageTimesTotal)),
  );
  put("putTps", context.brokerStats.putTps());
  put("getTransferedTps", context.brokerStats.getTransferredTps());
  put("getTransferredTps", context.brokerStats.getTransferredTps());
  putStoreTimings(context, put);
  const commitLogRatio = formatJavaDouble(await diskUsedRatio(context, store.paths.commitLog));
  put(`commitLogDiskRatio_${store.paths.commitLog}`, commitLogRatio); // one commit-log path here
  put("commitLogDiskRatio", commitLogRatio);
  put(
    "consumeQueueDiskRatio",
    formatJavaDouble(await diskUsedRatio(context, store.paths.consumeQueue)),
  );
  putScheduleOffsets(context, put);
  put("commitLogMinOffset", s.commitLogMinOffset);
  put("commitLogMaxOffset", s.commitLogMaxOffset);
  put(
    "remainHowManyDataToFlush",
    humanReadableByteCount(Math.max(0, s.commitLogMaxOffset - s.flushedOffset)),
  );
  put("dispatchBehindBytes", s.dispatchBehindBytes);
  put("pageCacheLockTimeMills", 0);
  put("earliestMessageTimeStamp", await store.getEarliestMessageTime());
  const disk = await context.fs.diskUsage(store.paths.rootDir);
  const capacity = `Total : ${humanReadableByteCount(disk.totalBytes)}, Free : ${
    humanReadableByteCount(disk.freeBytes)
  }.`;
  put("commitLogDirCapacity", capacity);
  putBrokerInfo(context, put);
  return info;
}

/** Put and get timings and get outcomes (StoreStatsService.getRuntimeInfo). */
function putStoreTimings(context: BrokerAdminContext, put: Put): void {
  const stats = context.messageStore.storeStatsService;
  const tps = (rate: (windowSeconds: number) => number) =>
    TPS_WINDOWS_SECONDS.map((w) => formatJavaDouble(rate(w))).join(" ");
  put("putMessageEntireTimeMax", stats.putMessageEntireTimeMax);
  put("putMessageDistributeTime", stats.putMessageDistributeTime());
  put("dispatchMaxBuffer", stats.dispatchMaxBuffer);
  put("getMessageEntireTimeMax", stats.getMessageEntireTimeMax);
  put("getFoundTps", tps((w) => stats.getFoundTps(w)));
  put("getMissTps", tps((w) => stats.getMissTps(w)));
  put("getTotalTps", tps((w) => stats.getFoundTps(w) + stats.getMissTps(w)));
  put("putLatency99", stats.findPutMessageEntireTimePX(0.99).toFixed(2)); // Java "%.2f"
  put("putLatency999", stats.findPutMessageEntireTimePX(0.999).toFixed(2));
}

/**
 * `scheduleMessageOffset_<level>` = `<delivered offset>,<schedule queue max offset>` for every
 * level with an offset (ScheduleMessageService.buildRunningStats).
 */
function putScheduleOffsets(context: BrokerAdminContext, put: Put): void {
  const offsets = context.scheduleMessageService?.offsetTable ?? new Map<number, number>();
  for (const [level, offset] of offsets) {
    const maxOffset = context.messageStore.getMaxOffsetInQueue(RMQ_SYS_SCHEDULE_TOPIC, level - 1);
    put(`scheduleMessageOffset_${level}`, `${offset},${maxOffset}`);
  }
}

/** The broker part (AdminBrokerProcessor.prepareRuntimeInfo). */
function putBrokerInfo(context: BrokerAdminContext, put: Put): void {
  const config = context.configuration.config;
  put("brokerVersionDesc", versionDesc(context.brokerVersion));
  put("brokerVersion", context.brokerVersion);
  put("brokerActive", "true");
  for (const [key, value] of Object.entries(context.brokerStats.daily())) put(key, value);
  const queues = context.requestQueueStats?.() ?? NO_QUEUES;
  put("sendThreadPoolQueueSize", queues.sendQueueSize);
  put("sendThreadPoolQueueCapacity", config.sendThreadPoolQueueCapacity);
  put("pullThreadPoolQueueSize", queues.pullQueueSize);
  put("pullThreadPoolQueueCapacity", config.pullThreadPoolQueueCapacity);
  put("queryThreadPoolQueueSize", queues.queryQueueSize);
  put("queryThreadPoolQueueCapacity", config.queryThreadPoolQueueCapacity);
  put("EndTransactionQueueSize", 0); // transactions are refused: nothing is ever queued
  put("EndTransactionThreadPoolQueueCapacity", config.endTransactionPoolQueueCapacity);
  put("sendThreadPoolQueueHeadWaitTimeMills", queues.sendQueueHeadWaitMs);
  put("pullThreadPoolQueueHeadWaitTimeMills", queues.pullQueueHeadWaitMs);
  put("queryThreadPoolQueueHeadWaitTimeMills", queues.queryQueueHeadWaitMs);
  put("startAcceptSendRequestTimeStamp", 0);
  put("remainTransientStoreBufferNumbs", TRANSIENT_STORE_POOL_OFF_BUFFERS);
}
