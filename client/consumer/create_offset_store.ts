/**
 * The offset store a consumer gets for its message model (RocketMQ's choice in
 * `DefaultMQPushConsumerImpl.start`): BROADCASTING keeps offsets in a local file, CLUSTERING on
 * the broker.
 *
 * @module
 */

import type { RemotingLogger } from "../../protocol/remoting_logger.ts";
import type { FileSystem } from "../../store/file_system.ts";
import type { MessageModel } from "../heartbeat_data.ts";
import { LocalFileOffsetStore } from "./local_file_offset_store.ts";
import type { OffsetStore } from "./offset_store.ts";
import { type BrokerOffsetClient, RemoteBrokerOffsetStore } from "./remote_broker_offset_store.ts";

/**
 * What {@linkcode createOffsetStore} needs.
 *
 * @example
 * ```ts
 * import { silentRemotingLogger } from "../../protocol/remoting_logger.ts";
 * import { MemoryFileSystem } from "../../store/adapters/memory_file_system.ts";
 * import type { MQClientInstance } from "../mq_client_instance.ts";
 * import { createOffsetStore, type CreateOffsetStoreOptions } from "./create_offset_store.ts";
 * const storeFor = (client: MQClientInstance) => {
 *   const options: CreateOffsetStoreOptions = {
 *     messageModel: "BROADCASTING", groupName: "CG", client, fs: new MemoryFileSystem(),
 *     localOffsetStoreDir: "/home/u/.rocketmq_offsets", logger: silentRemotingLogger,
 *   };
 *   return createOffsetStore(options); // a LocalFileOffsetStore
 * };
 * ```
 */
export interface CreateOffsetStoreOptions {
  /** clustering or broadcasting */
  messageModel: MessageModel;
  /** the consumer group */
  groupName: string;
  /** the client instance (broker calls, client id) */
  client: BrokerOffsetClient;
  /** file system of the local file */
  fs: FileSystem;
  /** folder of the local file */
  localOffsetStoreDir: string;
  /** where failures are logged */
  logger: RemotingLogger;
}

/**
 * @param options model, group, instance and file location
 * @returns a {@linkcode LocalFileOffsetStore} for BROADCASTING, else a
 *   {@linkcode RemoteBrokerOffsetStore}
 * @example
 * ```ts ignore
 * const store = createOffsetStore({ messageModel: "CLUSTERING", groupName: "G", client: instance, ... });
 * ```
 */
export function createOffsetStore(options: CreateOffsetStoreOptions): OffsetStore {
  if (options.messageModel !== "BROADCASTING") {
    return new RemoteBrokerOffsetStore(options.client, options.groupName);
  }
  return new LocalFileOffsetStore({
    fs: options.fs,
    localOffsetStoreDir: options.localOffsetStoreDir,
    clientId: options.client.clientId,
    groupName: options.groupName,
    logger: options.logger,
  });
}
