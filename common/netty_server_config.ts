/**
 * RocketMQ's NettyServerConfig keys (shared/spec/config.md §2), which the name server and the
 * broker both accept. Most tune Netty and have no effect here (each service lists those in its
 * no-effect keys); `bindAddress`, `listenPort`, the two semaphores and
 * `serverChannelMaxIdleTimeSeconds` are used by the remoting server.
 *
 * @module
 */

import { z } from "zod";

const JAVA_INT_MAX = 2 ** 31 - 1;
const int = (min: number, max: number, fallback: number) =>
  z.int().min(min).max(max).default(fallback);
const count = (fallback: number) => int(0, JAVA_INT_MAX, fallback);
const positive = (fallback: number) => int(1, JAVA_INT_MAX, fallback);

/**
 * The zod shape of NettyServerConfig with RocketMQ's defaults.
 *
 * @param listenPortDefault the preset `listenPort` (9876 for `mqnamesrv`, 10911 for `mqbroker`)
 * @returns the zod shape, to spread into a service's config object
 */
export function nettyServerConfigShape(listenPortDefault: number) {
  return {
    bindAddress: z.string().min(1).default("0.0.0.0"),
    listenPort: int(0, 65535, listenPortDefault),
    serverWorkerThreads: positive(8),
    serverCallbackExecutorThreads: count(0),
    serverSelectorThreads: positive(3),
    serverOnewaySemaphoreValue: positive(256),
    serverAsyncSemaphoreValue: positive(64),
    serverChannelMaxIdleTimeSeconds: count(120),
    serverSocketSndBufSize: count(0),
    serverSocketRcvBufSize: count(0),
    writeBufferHighWaterMark: count(0),
    writeBufferLowWaterMark: count(0),
    serverSocketBacklog: positive(1024),
    serverPooledByteBufAllocatorEnable: z.boolean().default(true),
    useEpollNativeSelector: z.boolean().default(false),
    serverNettyWorkerGroupEnable: z.boolean().default(true),
    enableShutdownGracefully: z.boolean().default(false),
    shutdownWaitTimeSeconds: count(30),
  };
}
