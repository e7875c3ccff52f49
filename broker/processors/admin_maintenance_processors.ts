/**
 * Broker maintenance admin request processors: GET_ALL_PRODUCER_INFO (328, `mqadmin producer`),
 * CLEAN_EXPIRED_CONSUMEQUEUE (306, `mqadmin cleanExpiredCQ`) and CLEAN_UNUSED_TOPIC (316,
 * `mqadmin cleanUnusedTopic`), as RocketMQ 4.9.8's AdminBrokerProcessor answers them.
 *
 * @module
 */
import { createResponse } from "../../protocol/remoting_command.ts";
import type { RemotingProcessor } from "../../protocol/remoting_channel.ts";
import { RequestCode } from "../../protocol/request_code.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { RMQ_SYS_SCHEDULE_TOPIC, RMQ_SYS_TRANS_OP_HALF_TOPIC } from "../topic_validator.ts";
import { guardProcessor } from "./_processor_support.ts";
import type { BrokerAdminContext } from "./admin_context.ts";
import type { AdminProcessorRegistry } from "./admin_topic_processors.ts";

/** RocketMQ `MixAll.LMQ_PREFIX`: light message queue topics, which cleanUnusedTopic keeps. */
const LMQ_PREFIX = "%LMQ%";

const utf8 = new TextEncoder();

/**
 * The GET_ALL_PRODUCER_INFO body (RocketMQ `ProducerTableInfo`, fastjson's alphabetical order):
 * `{"data":{"<group>":[{"clientId":…,"language":…,"lastUpdateTimestamp":…,"remoteIP":…,
 * "version":…}]}}`. `remoteIP` is the connection's address as Netty's `toString` writes it
 * (`/ip:port`).
 *
 * @param context the broker
 * @returns the UTF-8 body
 */
export function encodeProducerTableInfo(
  context: Pick<BrokerAdminContext, "producerManager">,
): Uint8Array {
  const data: Record<string, unknown[]> = {};
  const manager = context.producerManager;
  for (const group of manager.groupNames()) {
    data[group] = (manager.getProducerConnections(group) ?? []).map((c) => ({
      clientId: c.clientId,
      language: c.language,
      lastUpdateTimestamp: c.lastUpdateTimestamp,
      remoteIP: `/${c.channel.remoteAddress}`,
      version: c.version,
    }));
  }
  return utf8.encode(JSON.stringify({ data }));
}

/**
 * RocketMQ `DefaultMessageStore.cleanExpiredConsumerQueue`: deletes every consume queue (but those
 * of SCHEDULE_TOPIC_XXXX) whose last unit ends below the commit log's min offset — its messages
 * are all gone — and forgets its next offset, so a later message starts it again at 0. An empty
 * queue is kept (it may have been created just now).
 *
 * @param context the broker
 * @returns the queues deleted, as `topic/queueId`
 */
export async function cleanExpiredConsumeQueue(context: BrokerAdminContext): Promise<string[]> {
  const store = context.messageStore;
  const minOffset = store.getCommitLogMinOffset();
  const deleted: string[] = [];
  for (const queue of store.consumeQueueStore.queues()) {
    if (queue.topic === RMQ_SYS_SCHEDULE_TOPIC) continue;
    const lastOffset = queue.maxPhysicalOffset;
    if (lastOffset < 0 || lastOffset >= minOffset) continue;
    store.commitLog.removeQueueOffsets(queue.topic, queue.queueId);
    await store.consumeQueueStore.deleteQueue(queue.topic, queue.queueId);
    deleted.push(`${queue.topic}/${queue.queueId}`);
  }
  return deleted;
}

/**
 * RocketMQ `DefaultMessageStore.cleanUnusedTopic`: deletes the consume queues of every topic the
 * broker has no config for, but SCHEDULE_TOPIC_XXXX, RMQ_SYS_TRANS_OP_HALF_TOPIC and LMQ topics,
 * and forgets their next offsets.
 *
 * @param context the broker
 * @returns the topics deleted
 */
export async function cleanUnusedTopic(context: BrokerAdminContext): Promise<string[]> {
  const store = context.messageStore;
  const table = context.topicConfigManager.topicConfigTable;
  const deleted: string[] = [];
  for (const topic of store.consumeQueueStore.topics()) {
    if (table.has(topic) || topic === RMQ_SYS_SCHEDULE_TOPIC) continue;
    if (topic === RMQ_SYS_TRANS_OP_HALF_TOPIC || topic.startsWith(LMQ_PREFIX)) continue;
    await store.consumeQueueStore.deleteTopic(topic);
    store.commitLog.removeQueueOffsets(topic);
    deleted.push(topic);
  }
  return deleted;
}

/**
 * Registers GET_ALL_PRODUCER_INFO, CLEAN_EXPIRED_CONSUMEQUEUE and CLEAN_UNUSED_TOPIC.
 *
 * @param registry the remoting server
 * @param context the broker
 */
export function registerMaintenanceAdminProcessors(
  registry: AdminProcessorRegistry,
  context: BrokerAdminContext,
): void {
  const register = (code: number, body: RemotingProcessor) =>
    registry.registerProcessor(code, guardProcessor(context.logger, body));

  register(RequestCode.GET_ALL_PRODUCER_INFO, (request) => {
    const body = encodeProducerTableInfo(context);
    return createResponse(request, ResponseCode.SUCCESS, undefined, undefined, body);
  });

  register(RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE, async (request, channel) => {
    const deleted = await cleanExpiredConsumeQueue(context);
    context.logger.warn(
      `broker admin: CLEAN_EXPIRED_CONSUMEQUEUE from ${channel.remoteAddress} deleted ` +
        `${deleted.length} consume queues${deleted.length > 0 ? `: ${deleted.join(", ")}` : ""}`,
    );
    return createResponse(request, ResponseCode.SUCCESS);
  });

  register(RequestCode.CLEAN_UNUSED_TOPIC, async (request, channel) => {
    const deleted = await cleanUnusedTopic(context);
    context.logger.warn(
      `broker admin: CLEAN_UNUSED_TOPIC from ${channel.remoteAddress} deleted the consume ` +
        `queues of ${deleted.length} topics${deleted.length > 0 ? `: ${deleted.join(", ")}` : ""}`,
    );
    return createResponse(request, ResponseCode.SUCCESS);
  });
}
