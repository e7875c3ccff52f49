/**
 * The message a due delayed record becomes (RocketMQ 4.9.8 `messageTimeup`): same body, flag,
 * sysFlag, born time and host and reconsume times, in its `REAL_TOPIC` / `REAL_QID`, tag code from
 * `TAGS`. `DELAY` is removed, so a consumer forwarding the message does not delay it again;
 * `REAL_TOPIC` and `REAL_QID` stay in the stored properties, as in RocketMQ (message-format.md §4).
 * `WAIT=false` is honoured but not stored: a delivery never waits for a flush.
 *
 * Internal to broker/schedule/.
 *
 * @module
 */
import { encodeProperties, MessageConst } from "../../store/message_properties.ts";
import type { MessageExtBrokerInner, MessageRecord } from "../../store/message_record.ts";

/**
 * @param record the due record of `SCHEDULE_TOPIC_XXXX`
 * @returns the message to re-put, or why it cannot be delivered (no real topic or queue)
 */
export function messageTimeUp(record: MessageRecord): MessageExtBrokerInner | string {
  const properties = new Map(record.properties);
  const topic = properties.get(MessageConst.PROPERTY_REAL_TOPIC);
  const queueIdText = properties.get(MessageConst.PROPERTY_REAL_QUEUE_ID);
  if (topic === undefined) {
    return `message at ${record.physicalOffset} has no ${MessageConst.PROPERTY_REAL_TOPIC}`;
  }
  if (queueIdText === undefined || !/^\d{1,9}$/.test(queueIdText)) {
    return `message at ${record.physicalOffset} has ${MessageConst.PROPERTY_REAL_QUEUE_ID} ${
      JSON.stringify(queueIdText ?? null)
    }, not a queue id`;
  }
  properties.delete(MessageConst.PROPERTY_DELAY_TIME_LEVEL);
  const text = encodeProperties(properties);
  properties.set(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, "false");
  return {
    topic,
    queueId: Number(queueIdText),
    flag: record.flag,
    body: record.body,
    properties: text,
    propertiesMap: properties,
    sysFlag: record.sysFlag,
    bornTimestamp: record.bornTimestamp,
    bornHost: record.bornHost,
    reconsumeTimes: record.reconsumeTimes,
  };
}
