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

/** What {@linkcode createOffsetStore} needs. */
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
