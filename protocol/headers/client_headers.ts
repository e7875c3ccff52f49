/**
 * Headers of client management (`shared/spec/headers.md` §4): UNREGISTER_CLIENT (35) and
 * NOTIFY_CONSUMER_IDS_CHANGED (40). HEART_BEAT, CHECK_CLIENT_CONFIG and LOCK/UNLOCK_BATCH_MQ carry no
 * header fields (bodies only).
 *
 * @module
 */

import { z } from "zod";
import { headerField as f } from "./header_field.ts";

/** UnregisterClientRequestHeader (35): note the capital `clientID`, verbatim from Java. */
export const UnregisterClientRequestHeader = z.object({
  clientID: f.string(),
  producerGroup: f.string().optional(),
  consumerGroup: f.string().optional(),
});
/** Decoded UnregisterClientRequestHeader. */
export type UnregisterClientRequestHeader = z.output<typeof UnregisterClientRequestHeader>;

/** NotifyConsumerIdsChangedRequestHeader (40), broker → client, one-way. */
export const NotifyConsumerIdsChangedRequestHeader = z.object({ consumerGroup: f.string() });
/** Decoded NotifyConsumerIdsChangedRequestHeader. */
export type NotifyConsumerIdsChangedRequestHeader = z.output<
  typeof NotifyConsumerIdsChangedRequestHeader
>;
