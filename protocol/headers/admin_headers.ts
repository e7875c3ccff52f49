/**
 * Headers of broker administration (`shared/spec/headers.md` §9): topics, subscription groups,
 * connections, consume progress, offset reset, consumer relays, broker config and stats.
 *
 * @module
 */

import { z } from "zod";
import { headerField as f } from "./header_field.ts";

/** CreateTopicRequestHeader (17 UPDATE_AND_CREATE_TOPIC). */
export const CreateTopicRequestHeader = z.object({
  topic: f.string(),
  defaultTopic: f.string(),
  readQueueNums: f.int(),
  writeQueueNums: f.int(),
  perm: f.int(),
  /** SINGLE_TAG or MULTI_TAG */
  topicFilterType: f.string(),
  order: f.bool(),
  topicSysFlag: f.int().optional(),
  /** 5.x: `+k=v,-k` */
  attributes: f.string().optional(),
  /** 5.x */
  force: f.bool().optional(),
});
/** Decoded CreateTopicRequestHeader. */
export type CreateTopicRequestHeader = z.output<typeof CreateTopicRequestHeader>;

/** DeleteTopicRequestHeader (215 DELETE_TOPIC_IN_BROKER). */
export const DeleteTopicRequestHeader = z.object({ topic: f.string() });
/** Decoded DeleteTopicRequestHeader. */
export type DeleteTopicRequestHeader = z.output<typeof DeleteTopicRequestHeader>;

/** GetAllTopicConfigRequestHeader (21): 5.x paging, all optional; 4.x sends none. */
export const GetAllTopicConfigRequestHeader = z.object({
  topicSeq: f.int().optional(),
  dataVersion: f.string().optional(),
  maxTopicNum: f.int().optional(),
});
/** Decoded GetAllTopicConfigRequestHeader. */
export type GetAllTopicConfigRequestHeader = z.output<typeof GetAllTopicConfigRequestHeader>;

/** GetTopicStatsInfoRequestHeader (202). */
export const GetTopicStatsInfoRequestHeader = z.object({ topic: f.string() });
/** Decoded GetTopicStatsInfoRequestHeader. */
export type GetTopicStatsInfoRequestHeader = z.output<typeof GetTopicStatsInfoRequestHeader>;

/** GetTopicConfigRequestHeader (351 GET_TOPIC_CONFIG, 5.x): `lo` asks for the static-topic mapping. */
export const GetTopicConfigRequestHeader = z.object({ topic: f.string(), lo: f.bool().optional() });
/** Decoded GetTopicConfigRequestHeader. */
export type GetTopicConfigRequestHeader = z.output<typeof GetTopicConfigRequestHeader>;

/** GetSubscriptionGroupConfigRequestHeader (352 GET_SUBSCRIPTIONGROUP_CONFIG, 5.x). */
export const GetSubscriptionGroupConfigRequestHeader = z.object({ group: f.string() });
/** Decoded GetSubscriptionGroupConfigRequestHeader. */
export type GetSubscriptionGroupConfigRequestHeader = z.output<
  typeof GetSubscriptionGroupConfigRequestHeader
>;

/** DeleteSubscriptionGroupRequestHeader (207): 4.x `removeOffset`, 5.x `cleanOffset`. */
export const DeleteSubscriptionGroupRequestHeader = z.object({
  groupName: f.string(),
  removeOffset: f.bool().optional(),
  cleanOffset: f.bool().optional(),
});
/** Decoded DeleteSubscriptionGroupRequestHeader. */
export type DeleteSubscriptionGroupRequestHeader = z.output<
  typeof DeleteSubscriptionGroupRequestHeader
>;

/** GetConsumeStatsRequestHeader (208). */
export const GetConsumeStatsRequestHeader = z.object({
  consumerGroup: f.string(),
  topic: f.string().optional(),
  /** 5.x */
  topicList: f.string().optional(),
});
/** Decoded GetConsumeStatsRequestHeader. */
export type GetConsumeStatsRequestHeader = z.output<typeof GetConsumeStatsRequestHeader>;

/** GetConsumerConnectionListRequestHeader (203). */
export const GetConsumerConnectionListRequestHeader = z.object({ consumerGroup: f.string() });
/** Decoded GetConsumerConnectionListRequestHeader. */
export type GetConsumerConnectionListRequestHeader = z.output<
  typeof GetConsumerConnectionListRequestHeader
>;

/** GetProducerConnectionListRequestHeader (204). */
export const GetProducerConnectionListRequestHeader = z.object({ producerGroup: f.string() });
/** Decoded GetProducerConnectionListRequestHeader. */
export type GetProducerConnectionListRequestHeader = z.output<
  typeof GetProducerConnectionListRequestHeader
>;

/** QueryTopicConsumeByWhoRequestHeader (300). */
export const QueryTopicConsumeByWhoRequestHeader = z.object({ topic: f.string() });
/** Decoded QueryTopicConsumeByWhoRequestHeader. */
export type QueryTopicConsumeByWhoRequestHeader = z.output<
  typeof QueryTopicConsumeByWhoRequestHeader
>;

/** QueryConsumeTimeSpanRequestHeader (303). */
export const QueryConsumeTimeSpanRequestHeader = z.object({ topic: f.string(), group: f.string() });
/** Decoded QueryConsumeTimeSpanRequestHeader. */
export type QueryConsumeTimeSpanRequestHeader = z.output<typeof QueryConsumeTimeSpanRequestHeader>;

/**
 * ResetOffsetRequestHeader (222 INVOKE_BROKER_TO_RESET_OFFSET, and 220 RESET_CONSUMER_CLIENT_OFFSET
 * broker → client): note the verbatim `isForce`.
 */
export const ResetOffsetRequestHeader = z.object({
  topic: f.string(),
  group: f.string(),
  timestamp: f.long(),
  isForce: f.bool(),
  /** 5.x: -1 = all queues */
  queueId: f.int().optional(),
  /** 5.x */
  offset: f.long().optional(),
});
/** Decoded ResetOffsetRequestHeader. */
export type ResetOffsetRequestHeader = z.output<typeof ResetOffsetRequestHeader>;

/** GetConsumerStatusRequestHeader (223 INVOKE_BROKER_TO_GET_CONSUMER_STATUS, 221 to the client). */
export const GetConsumerStatusRequestHeader = z.object({
  topic: f.string(),
  group: f.string(),
  clientAddr: f.string().optional(),
});
/** Decoded GetConsumerStatusRequestHeader. */
export type GetConsumerStatusRequestHeader = z.output<typeof GetConsumerStatusRequestHeader>;

/** GetConsumerRunningInfoRequestHeader (307), relayed admin → broker → client. */
export const GetConsumerRunningInfoRequestHeader = z.object({
  consumerGroup: f.string(),
  clientId: f.string(),
  jstackEnable: f.bool().optional(),
});
/** Decoded GetConsumerRunningInfoRequestHeader. */
export type GetConsumerRunningInfoRequestHeader = z.output<
  typeof GetConsumerRunningInfoRequestHeader
>;

/** ConsumeMessageDirectlyResultRequestHeader (309), relayed admin → broker → client. */
export const ConsumeMessageDirectlyResultRequestHeader = z.object({
  consumerGroup: f.string(),
  clientId: f.string().optional(),
  msgId: f.string().optional(),
  brokerName: f.string().optional(),
  /** 5.x */
  topic: f.string().optional(),
  /** 5.x */
  topicSysFlag: f.int().optional(),
  /** 5.x */
  groupSysFlag: f.int().optional(),
});
/** Decoded ConsumeMessageDirectlyResultRequestHeader. */
export type ConsumeMessageDirectlyResultRequestHeader = z.output<
  typeof ConsumeMessageDirectlyResultRequestHeader
>;

/** CloneGroupOffsetRequestHeader (314). */
export const CloneGroupOffsetRequestHeader = z.object({
  srcGroup: f.string(),
  destGroup: f.string(),
  topic: f.string().optional(),
  offline: f.bool().optional(),
});
/** Decoded CloneGroupOffsetRequestHeader. */
export type CloneGroupOffsetRequestHeader = z.output<typeof CloneGroupOffsetRequestHeader>;

/** ViewBrokerStatsDataRequestHeader (315). */
export const ViewBrokerStatsDataRequestHeader = z.object({
  statsName: f.string(),
  statsKey: f.string(),
});
/** Decoded ViewBrokerStatsDataRequestHeader. */
export type ViewBrokerStatsDataRequestHeader = z.output<typeof ViewBrokerStatsDataRequestHeader>;

/** GetConsumeStatsInBrokerHeader (317 GET_BROKER_CONSUME_STATS): note the verbatim `isOrder`. */
export const GetConsumeStatsInBrokerHeader = z.object({ isOrder: f.bool() });
/** Decoded GetConsumeStatsInBrokerHeader. */
export type GetConsumeStatsInBrokerHeader = z.output<typeof GetConsumeStatsInBrokerHeader>;

/** QueryConsumeQueueRequestHeader (321). */
export const QueryConsumeQueueRequestHeader = z.object({
  topic: f.string(),
  queueId: f.int(),
  index: f.long(),
  count: f.int(),
  consumerGroup: f.string().optional(),
});
/** Decoded QueryConsumeQueueRequestHeader. */
export type QueryConsumeQueueRequestHeader = z.output<typeof QueryConsumeQueueRequestHeader>;

/** GetBrokerConfigResponseHeader (26): `version` = the DataVersion JSON; body = properties text. */
export const GetBrokerConfigResponseHeader = z.object({ version: f.string() });
/** Decoded GetBrokerConfigResponseHeader. */
export type GetBrokerConfigResponseHeader = z.output<typeof GetBrokerConfigResponseHeader>;
