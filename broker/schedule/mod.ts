/**
 * Delay levels (features.md §4): the delay rule applied when a message is stored, the delivery
 * service that moves due messages from `SCHEDULE_TOPIC_XXXX` back to their topics, and
 * `delayOffset.json` (store.md §10).
 *
 * @module
 */
export { DelayLevelError, DelayLevelTable } from "./delay_level_table.ts";
export { decodeDelayOffsets, encodeDelayOffsets } from "./delay_offset_wrapper.ts";
export {
  delayLevelOf,
  scheduleDelayedMessage,
  ScheduleMessageStore,
  type ScheduleMessageStoreOptions,
} from "./schedule_message_store.ts";
export {
  SCHEDULE_DELAY_FOR_A_PERIOD_MS,
  SCHEDULE_DELAY_FOR_A_WHILE_MS,
  SCHEDULE_FIRST_DELAY_MS,
  ScheduleMessageService,
  type ScheduleMessageServiceOptions,
} from "./schedule_message_service.ts";
