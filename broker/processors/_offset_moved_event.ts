/**
 * The OffsetMovedEvent a master records in `OFFSET_MOVED_EVENT` each time a pull answers
 * PULL_OFFSET_MOVED (RocketMQ 4.9.8 `PullMessageProcessor.generateOffsetMovedEvent`): RocketMQ's
 * `MonitorService` (`mqadmin startMonitoring`) consumes the topic to report messages a group lost
 * to retention or had skipped.
 *
 * @module
 */

import type { HostAddress } from "../../store/message_id.ts";
import { encodeProperties, MessageConst } from "../../store/message_properties.ts";
import type { MessageExtBrokerInner } from "../../store/message_record.ts";
import { RMQ_SYS_OFFSET_MOVED_EVENT } from "../topic_validator.ts";

/** One moved offset. */
export interface OffsetMovedEvent {
  /** the pulling group */
  readonly consumerGroup: string;
  /** this broker's name */
  readonly brokerName: string;
  /** the pulled topic */
  readonly topic: string;
  /** the pulled queue */
  readonly queueId: number;
  /** the offset the pull asked for */
  readonly offsetRequest: number;
  /** the offset the broker moved the consumer to (`nextBeginOffset`) */
  readonly offsetNew: number;
}

/**
 * Builds the message RocketMQ stores for an event: queue 0, tags and keys the group, body the
 * event's JSON with fastjson's sorted field order (what `OffsetMovedEvent.decode` reads).
 *
 * @param event the moved offset
 * @param bornHost this broker's address, as RocketMQ uses its own address
 * @param nowMs the born time
 * @returns the message to put
 */
export function offsetMovedEventMessage(
  event: OffsetMovedEvent,
  bornHost: HostAddress,
  nowMs: number,
): MessageExtBrokerInner {
  const body = JSON.stringify({
    consumerGroup: event.consumerGroup,
    messageQueue: { brokerName: event.brokerName, queueId: event.queueId, topic: event.topic },
    offsetNew: event.offsetNew,
    offsetRequest: event.offsetRequest,
  });
  const properties = new Map([
    [MessageConst.PROPERTY_TAGS, event.consumerGroup],
    [MessageConst.PROPERTY_DELAY_TIME_LEVEL, "0"],
    [MessageConst.PROPERTY_KEYS, event.consumerGroup],
  ]);
  return {
    topic: RMQ_SYS_OFFSET_MOVED_EVENT,
    queueId: 0,
    flag: 0,
    body: new TextEncoder().encode(body),
    properties: encodeProperties(properties),
    propertiesMap: properties,
    sysFlag: 0,
    bornTimestamp: nowMs,
    bornHost,
    reconsumeTimes: 0,
  };
}
