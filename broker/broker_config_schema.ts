/**
 * The broker's configuration keys with RocketMQ's defaults (config.md §2–§4): one zod shape per
 * RocketMQ config object (BrokerConfig, NettyServerConfig, NettyClientConfig, MessageStoreConfig),
 * 4.9.8 keys plus the 5.x keys the spec lists, plus EdgeMQ's `httpAdminPort`. A properties key
 * applies to every object that has it, so the four shapes are merged into one schema.
 *
 * @module
 */
import { z } from "zod";
import { FRAME_BYTES_MAX_DEFAULT } from "../protocol/limits.ts";
import { MessageStoreConfigSchema } from "../store/message_store_config.ts";
import { parseDeleteWhen } from "../store/clean_service.ts";
import { MESSAGE_BYTES_MAX, QUEUE_NUMS_MAX, REGISTER_BROKER_TIMEOUT_MS_MAX } from "./limits.ts";
import { DelayLevelTable } from "./schedule/delay_level_table.ts";

/** What the defaults depend on; `main.ts` reads it from the environment. */
export interface BrokerEnv {
  /** `$HOME`: default `storePathRootDir` is `$HOME/store` */
  readonly HOME: string;
  /** `$NAMESRV_ADDR`, the default `namesrvAddr` */
  readonly NAMESRV_ADDR?: string;
  /** the host name, the default `brokerName` (5.x `DEFAULT_BROKER` when unknown) */
  readonly hostname?: string;
  /** the advertised local address, default `brokerIP1` and `brokerIP2` */
  readonly localAddress?: string;
  /** `$ROCKETMQ_HOME`, the default `rocketmqHome` */
  readonly ROCKETMQ_HOME?: string;
  /** CPU count, for the (no-effect) thread pool defaults; default 1 */
  readonly availableProcessors?: number;
}

const JAVA_INT_MAX = 2 ** 31 - 1;
const int = (min: number, max: number, fallback: number) =>
  z.int().min(min).max(max).default(fallback);
const count = (fallback: number) => int(0, JAVA_INT_MAX, fallback);
const positive = (fallback: number) => int(1, JAVA_INT_MAX, fallback);
const long = (fallback: number) => z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(fallback);
/**
 * A duration in ms. Bound at 2^31 − 1 (24.8 days), the longest a timer waits: a longer one fires
 * at once, so a huge shortPollingTimeMills answered every held pull at once and a huge
 * flushConsumerOffsetInterval persisted every millisecond.
 */
const millis = (fallback: number) => int(1, JAVA_INT_MAX, fallback);
const port = (fallback: number) => int(0, 65535, fallback);
const flag = (fallback: boolean) => z.boolean().default(fallback);
const text = (fallback: string) => z.string().default(fallback);
const optionalText = () => z.string().min(1).optional();
const ratio = (fallback: number) => int(0, 100, fallback);

/** RocketMQ's default `configBlackList`: keys UPDATE_BROKER_CONFIG may never change. */
export const BROKER_CONFIG_BLACK_LIST_DEFAULT = "configBlackList;brokerConfigPath";

const DELETE_WHEN_EXPECTED = "hours of the day (0..23) separated by ;, e.g. 04 or 04;05";
const DELAY_LEVEL_EXPECTED = "delay levels like 1s 5s 1m 2h (units s, m, h, d) separated by spaces";

/**
 * @param parse the parser the broker applies to the value at start
 * @param expected what a good value looks like
 * @returns a zod check that refuses what `parse` refuses, saying why
 */
function parsedBy(parse: (text: string) => unknown, expected: string) {
  return (text: string, ctx: z.RefinementCtx) => {
    try {
      parse(text);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: `${expected}; ${(error as Error).message}` });
    }
  };
}
const NO_DLEDGER = "false (EdgeMQ has no DLedger commit log)";

/** RocketMQ's default `messageDelayLevel` (features.md §4). */
export const MESSAGE_DELAY_LEVEL_DEFAULT =
  "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

/**
 * BrokerConfig keys (config.md §3) and EdgeMQ's `httpAdminPort`.
 *
 * @param env defaults from the environment
 * @returns the zod shape
 */
export function brokerConfigShape(env: BrokerEnv) {
  const cores = env.availableProcessors ?? 1;
  const sendThreads = Math.min(cores, 4);
  return {
    rocketmqHome: env.ROCKETMQ_HOME === undefined ? optionalText() : text(env.ROCKETMQ_HOME),
    namesrvAddr: env.NAMESRV_ADDR === undefined ? optionalText() : text(env.NAMESRV_ADDR),
    brokerIP1: env.localAddress === undefined ? optionalText() : text(env.localAddress),
    brokerIP2: env.localAddress === undefined ? optionalText() : text(env.localAddress),
    brokerName: z.string().min(1).default(env.hostname ?? "DEFAULT_BROKER"),
    brokerClusterName: z.string().min(1).default("DefaultCluster"),
    brokerId: long(0),
    brokerPermission: int(0, 15, 6),
    defaultTopicQueueNums: int(1, QUEUE_NUMS_MAX, 8),
    autoCreateTopicEnable: flag(true),
    clusterTopicEnable: flag(true),
    brokerTopicEnable: flag(true),
    autoCreateSubscriptionGroup: flag(true),
    messageStorePlugIn: text(""),
    msgTraceTopicName: z.string().min(1).default("RMQ_SYS_TRACE_TOPIC"),
    traceTopicEnable: flag(false),
    sendMessageThreadPoolNums: positive(sendThreads),
    putMessageFutureThreadPoolNums: positive(sendThreads),
    pullMessageThreadPoolNums: positive(16 + cores * 2),
    processReplyMessageThreadPoolNums: positive(16 + cores * 2),
    queryMessageThreadPoolNums: positive(8 + cores),
    adminBrokerThreadPoolNums: positive(16),
    clientManageThreadPoolNums: positive(32),
    consumerManageThreadPoolNums: positive(32),
    heartbeatThreadPoolNums: positive(Math.min(32, cores)),
    endTransactionThreadPoolNums: positive(Math.max(8 + cores * 2, sendThreads * 4)),
    flushConsumerOffsetInterval: millis(5000),
    flushConsumerOffsetHistoryInterval: millis(60_000),
    rejectTransactionMessage: flag(false),
    fetchNamesrvAddrByAddressServer: flag(false),
    sendThreadPoolQueueCapacity: positive(10_000),
    putThreadPoolQueueCapacity: positive(10_000),
    pullThreadPoolQueueCapacity: positive(100_000),
    replyThreadPoolQueueCapacity: positive(10_000),
    queryThreadPoolQueueCapacity: positive(20_000),
    clientManagerThreadPoolQueueCapacity: positive(1_000_000),
    consumerManagerThreadPoolQueueCapacity: positive(1_000_000),
    heartbeatThreadPoolQueueCapacity: positive(50_000),
    endTransactionPoolQueueCapacity: positive(100_000),
    filterServerNums: count(0),
    longPollingEnable: flag(true),
    shortPollingTimeMills: millis(1000),
    notifyConsumerIdsChangedEnable: flag(true),
    highSpeedMode: flag(false),
    commercialEnable: flag(true),
    commercialTimerCount: count(1),
    commercialTransCount: count(1),
    commercialBigCount: count(1),
    commercialBaseCount: count(1),
    transferMsgByHeap: flag(true),
    maxDelayTime: count(40),
    regionId: text("DefaultRegion"),
    registerBrokerTimeoutMills: z.int().min(1).max(REGISTER_BROKER_TIMEOUT_MS_MAX).default(6000),
    slaveReadEnable: flag(false),
    disableConsumeIfConsumerReadSlowly: flag(false),
    consumerFallbehindThreshold: long(16 * 1024 ** 3),
    brokerFastFailureEnable: flag(true),
    waitTimeMillsInSendQueue: millis(200),
    waitTimeMillsInPullQueue: millis(5000),
    waitTimeMillsInHeartbeatQueue: millis(31_000),
    waitTimeMillsInTransactionQueue: millis(3000),
    startAcceptSendRequestTimeStamp: long(0),
    traceOn: flag(true),
    enableCalcFilterBitMap: flag(false),
    expectConsumerNumUseFilter: positive(32),
    maxErrorRateOfBloomFilter: ratio(20),
    filterDataCleanTimeSpan: millis(24 * 3600 * 1000),
    filterSupportRetry: flag(false),
    enablePropertyFilter: flag(false),
    compressedRegister: flag(false),
    forceRegister: flag(true),
    registerNameServerPeriod: millis(30_000),
    transactionTimeOut: millis(6000),
    transactionCheckMax: positive(15),
    transactionCheckInterval: millis(60_000),
    aclEnable: flag(false),
    storeReplyMessageEnable: flag(true),
    enableDetailStat: flag(true),
    autoDeleteUnusedStats: flag(false),
    isolateLogEnable: flag(false),
    configBlackList: text(BROKER_CONFIG_BLACK_LIST_DEFAULT),
    // 5.x
    brokerNotActiveTimeoutMillis: millis(10_000),
    enableSlaveActingMaster: flag(false),
    enableControllerMode: flag(false),
    channelExpiredTimeout: millis(120_000),
    // EdgeMQ
    httpAdminPort: port(10880).describe(
      "an integer between 0 and 65535 (0 turns the HTTP admin off)",
    ),
  };
}

/**
 * NettyClientConfig keys (the broker's connections to name servers and its master).
 *
 * @param env CPU count for `clientCallbackExecutorThreads`
 * @returns the zod shape
 */
export function nettyClientConfigShape(env: BrokerEnv) {
  return {
    clientWorkerThreads: positive(4),
    clientCallbackExecutorThreads: positive(env.availableProcessors ?? 1),
    clientOnewaySemaphoreValue: positive(65_535),
    clientAsyncSemaphoreValue: positive(65_535),
    connectTimeoutMillis: millis(3000),
    channelNotActiveInterval: millis(60_000),
    clientChannelMaxIdleTimeSeconds: count(120),
    clientSocketSndBufSize: count(0),
    clientSocketRcvBufSize: count(0),
    clientPooledByteBufAllocatorEnable: flag(false),
    clientCloseSocketIfTimeout: flag(true),
    useTLS: flag(false),
  };
}

/**
 * MessageStoreConfig keys (config.md §4). Keys the store reads take the store's own field schemas
 * (`store/message_store_config.ts`), so a value the store would refuse is refused here, by key.
 *
 * @param env `HOME` for the default `storePathRootDir`
 * @returns the zod shape
 */
export function messageStoreConfigShape(env: BrokerEnv) {
  const store = MessageStoreConfigSchema.shape;
  return {
    storePathRootDir: z.string().min(1).default(`${env.HOME.replace(/\/+$/, "")}/store`),
    storePathCommitLog: store.storePathCommitLog,
    storePathConsumeQueue: optionalText().describe(
      "a folder (EdgeMQ override, not a RocketMQ key)",
    ),
    storePathIndex: optionalText().describe("a folder (EdgeMQ override, not a RocketMQ key)"),
    storePathDLedgerCommitLog: optionalText(),
    mappedFileSizeCommitLog: store.mappedFileSizeCommitLog,
    mappedFileSizeConsumeQueue: store.mappedFileSizeConsumeQueue,
    enableConsumeQueueExt: flag(false),
    flushIntervalCommitLog: store.flushIntervalCommitLog,
    commitIntervalCommitLog: millis(200),
    useReentrantLockWhenPutMessage: flag(true),
    flushCommitLogTimed: store.flushCommitLogTimed,
    flushIntervalConsumeQueue: store.flushIntervalConsumeQueue,
    cleanResourceInterval: store.cleanResourceInterval,
    deleteCommitLogFilesInterval: millis(100),
    deleteConsumeQueueFilesInterval: millis(100),
    destroyMapedFileIntervalForcibly: millis(120_000),
    redeleteHangedFileInterval: millis(120_000),
    deleteWhen: z.string().regex(/^\s*\d{1,2}\s*(;\s*\d{1,2}\s*)*(;\s*)*$/, DELETE_WHEN_EXPECTED)
      .superRefine(parsedBy(parseDeleteWhen, DELETE_WHEN_EXPECTED)).default("04").describe(
        DELETE_WHEN_EXPECTED,
      ),
    diskMaxUsedSpaceRatio: store.diskMaxUsedSpaceRatio,
    fileReservedTime: store.fileReservedTime,
    putMsgIndexHightWater: positive(600_000),
    maxMessageSize: int(1, MESSAGE_BYTES_MAX, 4 * 1024 * 1024),
    checkCRCOnRecover: store.checkCRCOnRecover,
    flushCommitLogLeastPages: store.flushCommitLogLeastPages,
    commitCommitLogLeastPages: count(4),
    flushLeastPagesWhenWarmMapedFile: count(4096),
    flushConsumeQueueLeastPages: store.flushConsumeQueueLeastPages,
    flushCommitLogThoroughInterval: store.flushCommitLogThoroughInterval,
    commitCommitLogThoroughInterval: millis(200),
    flushConsumeQueueThoroughInterval: store.flushConsumeQueueThoroughInterval,
    maxTransferBytesOnMessageInMemory: store.maxTransferBytesOnMessageInMemory,
    maxTransferCountOnMessageInMemory: store.maxTransferCountOnMessageInMemory,
    maxTransferBytesOnMessageInDisk: store.maxTransferBytesOnMessageInDisk,
    maxTransferCountOnMessageInDisk: store.maxTransferCountOnMessageInDisk,
    accessMessageInMemoryMaxRatio: store.accessMessageInMemoryMaxRatio,
    messageIndexEnable: store.messageIndexEnable,
    maxHashSlotNum: store.maxHashSlotNum,
    maxIndexNum: store.maxIndexNum,
    maxMsgsNumBatch: store.maxMsgsNumBatch,
    messageIndexSafe: store.messageIndexSafe,
    haListenPort: port(10912),
    haSendHeartbeatInterval: millis(5000),
    haHousekeepingInterval: millis(20_000),
    haTransferBatchSize: int(1, FRAME_BYTES_MAX_DEFAULT, 32 * 1024),
    haMasterAddress: optionalText(),
    haSlaveFallbehindMax: positive(256 * 1024 * 1024),
    brokerRole: store.brokerRole,
    flushDiskType: store.flushDiskType,
    syncFlushTimeout: store.syncFlushTimeout,
    slaveTimeout: millis(3000),
    messageDelayLevel: z.string().regex(/^\s*\d+[smhd](\s+\d+[smhd])*\s*$/, DELAY_LEVEL_EXPECTED)
      .superRefine(parsedBy((text) => DelayLevelTable.parse(text), DELAY_LEVEL_EXPECTED))
      .default(MESSAGE_DELAY_LEVEL_DEFAULT).describe(DELAY_LEVEL_EXPECTED),
    flushDelayOffsetInterval: millis(10_000),
    cleanFileForciblyEnable: store.cleanFileForciblyEnable,
    warmMapedFileEnable: flag(false),
    offsetCheckInSlave: store.offsetCheckInSlave,
    debugLockEnable: flag(false),
    duplicationEnable: flag(false),
    diskFallRecorded: flag(true),
    osPageCacheBusyTimeOutMills: store.osPageCacheBusyTimeOutMills,
    defaultQueryMaxNum: store.defaultQueryMaxNum,
    transientStorePoolEnable: flag(false),
    transientStorePoolSize: positive(5),
    fastFailIfNoBufferInStorePool: flag(false),
    enableDLegerCommitLog: z.boolean().refine((v) => !v, NO_DLEDGER).default(false).describe(
      NO_DLEDGER,
    ),
    enableScheduleMessageStats: flag(true),
    // 5.x
    diskSpaceWarningLevelRatio: ratio(90),
    diskSpaceCleanForciblyRatio: ratio(85),
    haMaxGapNotInSync: positive(256 * 1024 * 1024),
    autoMessageVersionOnTopicLen: flag(true),
    enabledAppendPropCRC: flag(false),
    timerWheelEnable: flag(true),
  };
}

/**
 * Keys accepted for compatibility that change nothing on this runtime: Java thread pools, Netty
 * selector/allocator/socket/epoll tuning (Deno's event loop and TCP stack decide these), the
 * transient store pool (no off-heap buffers here), commercial counters, logging and JVM-only
 * switches. Setting one yields a warning, never an error.
 */
export const BROKER_NO_EFFECT_KEYS: ReadonlySet<string> = new Set([
  "rocketmqHome",
  "messageStorePlugIn",
  "sendMessageThreadPoolNums",
  "putMessageFutureThreadPoolNums",
  "pullMessageThreadPoolNums",
  "processReplyMessageThreadPoolNums",
  "queryMessageThreadPoolNums",
  "adminBrokerThreadPoolNums",
  "clientManageThreadPoolNums",
  "consumerManageThreadPoolNums",
  "heartbeatThreadPoolNums",
  "endTransactionThreadPoolNums",
  "fetchNamesrvAddrByAddressServer",
  "filterServerNums",
  "highSpeedMode",
  "commercialEnable",
  "commercialTimerCount",
  "commercialTransCount",
  "commercialBigCount",
  "commercialBaseCount",
  "transferMsgByHeap",
  "enableDetailStat",
  "autoDeleteUnusedStats",
  "isolateLogEnable",
  "serverWorkerThreads",
  "serverCallbackExecutorThreads",
  "serverSelectorThreads",
  "serverSocketSndBufSize",
  "serverSocketRcvBufSize",
  "writeBufferHighWaterMark",
  "writeBufferLowWaterMark",
  "serverSocketBacklog",
  "serverPooledByteBufAllocatorEnable",
  "useEpollNativeSelector",
  "serverNettyWorkerGroupEnable",
  "enableShutdownGracefully",
  "shutdownWaitTimeSeconds",
  "clientWorkerThreads",
  "clientCallbackExecutorThreads",
  "clientSocketSndBufSize",
  "clientSocketRcvBufSize",
  "clientPooledByteBufAllocatorEnable",
  "useReentrantLockWhenPutMessage",
  "debugLockEnable",
  "diskFallRecorded",
  "transientStorePoolEnable",
  "transientStorePoolSize",
  "fastFailIfNoBufferInStorePool",
  "commitIntervalCommitLog",
  "commitCommitLogLeastPages",
  "commitCommitLogThoroughInterval",
  "enableConsumeQueueExt",
  "storePathDLedgerCommitLog",
  "enableScheduleMessageStats",
  "forceRegister", // and always sent: no QUERY_DATA_VERSION first
  // Features this broker does not have (ACL, TLS, transactions, HA, DLedger, timer wheel, SQL92
  // bitmap filters, reply messages, fast failure on queued requests, 5.x controller mode).
  "aclEnable",
  "useTLS",
  "transactionTimeOut",
  "transactionCheckInterval",
  "haMasterAddress",
  "haSendHeartbeatInterval",
  "haHousekeepingInterval",
  "haTransferBatchSize",
  "haSlaveFallbehindMax",
  "haMaxGapNotInSync",
  "slaveTimeout",
  "duplicationEnable",
  "enableDLegerCommitLog",
  "enableSlaveActingMaster",
  "enableControllerMode",
  "brokerNotActiveTimeoutMillis",
  "timerWheelEnable",
  "maxDelayTime",
  "enableCalcFilterBitMap",
  "expectConsumerNumUseFilter",
  "maxErrorRateOfBloomFilter",
  "filterDataCleanTimeSpan",
  "filterSupportRetry",
  "storeReplyMessageEnable",
  "brokerFastFailureEnable",
  "waitTimeMillsInSendQueue",
  "waitTimeMillsInPullQueue",
  "waitTimeMillsInHeartbeatQueue",
  "waitTimeMillsInTransactionQueue",
  "putThreadPoolQueueCapacity",
  "replyThreadPoolQueueCapacity",
  "queryThreadPoolQueueCapacity",
  "clientManagerThreadPoolQueueCapacity",
  "consumerManagerThreadPoolQueueCapacity",
  "heartbeatThreadPoolQueueCapacity",
  "endTransactionPoolQueueCapacity",
  "consumerFallbehindThreshold",
  "flushConsumerOffsetHistoryInterval",
  "channelNotActiveInterval",
  "clientCloseSocketIfTimeout",
  "deleteCommitLogFilesInterval",
  "deleteConsumeQueueFilesInterval",
  "destroyMapedFileIntervalForcibly",
  "redeleteHangedFileInterval",
  "putMsgIndexHightWater",
  "autoMessageVersionOnTopicLen",
  "enabledAppendPropCRC",
]);

/** Old spellings RocketMQ used before 4.5.2 (config.md §1), applied under the new name with a warning. */
export const BROKER_RENAMED_KEYS: Readonly<Record<string, string>> = {
  mapedFileSizeCommitLog: "mappedFileSizeCommitLog",
  mapedFileSizeConsumeQueue: "mappedFileSizeConsumeQueue",
};

/** Keys RocketMQ marks `@ImportantField` (printed by `mqbroker -m`), plus EdgeMQ's `httpAdminPort`. */
export const BROKER_IMPORTANT_KEYS: ReadonlySet<string> = new Set([
  "namesrvAddr",
  "brokerIP1",
  "brokerName",
  "brokerClusterName",
  "brokerId",
  "autoCreateTopicEnable",
  "autoCreateSubscriptionGroup",
  "msgTraceTopicName",
  "traceTopicEnable",
  "rejectTransactionMessage",
  "fetchNamesrvAddrByAddressServer",
  "transactionTimeOut",
  "transactionCheckMax",
  "transactionCheckInterval",
  "aclEnable",
  "storePathRootDir",
  "storePathCommitLog",
  "storePathDLedgerCommitLog",
  "flushIntervalCommitLog",
  "commitIntervalCommitLog",
  "flushCommitLogTimed",
  "deleteWhen",
  "fileReservedTime",
  "maxTransferBytesOnMessageInMemory",
  "maxTransferCountOnMessageInMemory",
  "maxTransferBytesOnMessageInDisk",
  "maxTransferCountOnMessageInDisk",
  "accessMessageInMemoryMaxRatio",
  "messageIndexEnable",
  "messageIndexSafe",
  "haMasterAddress",
  "brokerRole",
  "flushDiskType",
  "cleanFileForciblyEnable",
  "transientStorePoolEnable",
  "httpAdminPort",
]);
