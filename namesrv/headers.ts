/**
 * 5.x name server request headers that `protocol/headers/namesrv_headers.ts` does not define
 * (`shared/spec/codes.md` §1: 904 BROKER_HEARTBEAT, 217 REGISTER_TOPIC_IN_NAMESRV, 901
 * GET_BROKER_MEMBER_GROUP).
 *
 * @module
 */
import { z } from "zod";
import { headerField as f } from "../protocol/headers/header_field.ts";

/** BrokerHeartbeatRequestHeader (904): refreshes a broker's liveness. */
export const BrokerHeartbeatRequestHeader = z.object({
  clusterName: f.string(),
  brokerAddr: f.string(),
  brokerName: f.string().optional(),
  brokerId: f.long().optional(),
});
/** Decoded BrokerHeartbeatRequestHeader. */
export type BrokerHeartbeatRequestHeader = z.output<typeof BrokerHeartbeatRequestHeader>;

/** RegisterTopicRequestHeader (217): body is a TopicRouteData with the topic's queue data. */
export const RegisterTopicRequestHeader = z.object({ topic: f.string() });
/** Decoded RegisterTopicRequestHeader. */
export type RegisterTopicRequestHeader = z.output<typeof RegisterTopicRequestHeader>;

/** GetBrokerMemberGroupRequestHeader (901): a 5.x acting-master broker asks for its group. */
export const GetBrokerMemberGroupRequestHeader = z.object({
  clusterName: f.string(),
  brokerName: f.string(),
});
/** Decoded GetBrokerMemberGroupRequestHeader. */
export type GetBrokerMemberGroupRequestHeader = z.output<
  typeof GetBrokerMemberGroupRequestHeader
>;
