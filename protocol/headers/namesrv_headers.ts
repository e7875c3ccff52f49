/**
 * Headers of name server requests (`shared/spec/headers.md` §8): routes, broker registration, KV
 * config, write permission and topic deletion.
 *
 * @module
 */

import { z } from "zod";
import { headerField as f } from "./header_field.ts";

/** GetRouteInfoRequestHeader (105 GET_ROUTEINFO_BY_TOPIC). */
export const GetRouteInfoRequestHeader = z.object({
  topic: f.string(),
  acceptStandardJsonOnly: f.bool().optional(),
});
/** Decoded GetRouteInfoRequestHeader. */
export type GetRouteInfoRequestHeader = z.output<typeof GetRouteInfoRequestHeader>;

/** Loose REGISTER_BROKER key carrying the broker's zone. */
export const ZONE_NAME = "__ZONE_NAME";

/** RegisterBrokerRequestHeader (103), plus the loose `__ZONE_NAME`. */
export const RegisterBrokerRequestHeader = z.object({
  brokerName: f.string(),
  /** main listener `ip:port` */
  brokerAddr: f.string(),
  clusterName: f.string(),
  /** `brokerIP2:haPort` */
  haServerAddr: f.string(),
  brokerId: f.long(),
  compressed: f.bool().optional(),
  /** 0 = no check */
  bodyCrc32: f.int().optional(),
  /** 5.x */
  heartbeatTimeoutMillis: f.long().optional(),
  /** 5.x */
  enableActingMaster: f.bool().optional(),
  [ZONE_NAME]: f.string().optional(),
});
/** Decoded RegisterBrokerRequestHeader. */
export type RegisterBrokerRequestHeader = z.output<typeof RegisterBrokerRequestHeader>;

/** RegisterBrokerResponseHeader (103): filled for slaves. */
export const RegisterBrokerResponseHeader = z.object({
  haServerAddr: f.string().optional(),
  masterAddr: f.string().optional(),
});
/** Decoded RegisterBrokerResponseHeader. */
export type RegisterBrokerResponseHeader = z.output<typeof RegisterBrokerResponseHeader>;

/** UnRegisterBrokerRequestHeader (104). */
export const UnRegisterBrokerRequestHeader = z.object({
  brokerName: f.string(),
  brokerAddr: f.string(),
  clusterName: f.string(),
  brokerId: f.long(),
});
/** Decoded UnRegisterBrokerRequestHeader. */
export type UnRegisterBrokerRequestHeader = z.output<typeof UnRegisterBrokerRequestHeader>;

/** QueryDataVersionRequestHeader (322): the same four keys as UNREGISTER_BROKER. */
export const QueryDataVersionRequestHeader = UnRegisterBrokerRequestHeader;
/** Decoded QueryDataVersionRequestHeader. */
export type QueryDataVersionRequestHeader = z.output<typeof QueryDataVersionRequestHeader>;

/** QueryDataVersionResponseHeader (322). */
export const QueryDataVersionResponseHeader = z.object({ changed: f.bool() });
/** Decoded QueryDataVersionResponseHeader. */
export type QueryDataVersionResponseHeader = z.output<typeof QueryDataVersionResponseHeader>;

/** PutKVConfigRequestHeader (100). */
export const PutKVConfigRequestHeader = z.object({
  namespace: f.string(),
  key: f.string(),
  value: f.string(),
});
/** Decoded PutKVConfigRequestHeader. */
export type PutKVConfigRequestHeader = z.output<typeof PutKVConfigRequestHeader>;

/** GetKVConfigRequestHeader (101). */
export const GetKVConfigRequestHeader = z.object({ namespace: f.string(), key: f.string() });
/** Decoded GetKVConfigRequestHeader. */
export type GetKVConfigRequestHeader = z.output<typeof GetKVConfigRequestHeader>;

/** GetKVConfigResponseHeader (101). */
export const GetKVConfigResponseHeader = z.object({ value: f.string().optional() });
/** Decoded GetKVConfigResponseHeader. */
export type GetKVConfigResponseHeader = z.output<typeof GetKVConfigResponseHeader>;

/** DeleteKVConfigRequestHeader (102). */
export const DeleteKVConfigRequestHeader = z.object({ namespace: f.string(), key: f.string() });
/** Decoded DeleteKVConfigRequestHeader. */
export type DeleteKVConfigRequestHeader = z.output<typeof DeleteKVConfigRequestHeader>;

/** GetKVListByNamespaceRequestHeader (219). */
export const GetKVListByNamespaceRequestHeader = z.object({ namespace: f.string() });
/** Decoded GetKVListByNamespaceRequestHeader. */
export type GetKVListByNamespaceRequestHeader = z.output<typeof GetKVListByNamespaceRequestHeader>;

/** WipeWritePermOfBrokerRequestHeader (205). */
export const WipeWritePermOfBrokerRequestHeader = z.object({ brokerName: f.string() });
/** Decoded WipeWritePermOfBrokerRequestHeader. */
export type WipeWritePermOfBrokerRequestHeader = z.output<
  typeof WipeWritePermOfBrokerRequestHeader
>;

/** WipeWritePermOfBrokerResponseHeader (205). */
export const WipeWritePermOfBrokerResponseHeader = z.object({ wipeTopicCount: f.int() });
/** Decoded WipeWritePermOfBrokerResponseHeader. */
export type WipeWritePermOfBrokerResponseHeader = z.output<
  typeof WipeWritePermOfBrokerResponseHeader
>;

/** AddWritePermOfBrokerRequestHeader (327). */
export const AddWritePermOfBrokerRequestHeader = z.object({ brokerName: f.string() });
/** Decoded AddWritePermOfBrokerRequestHeader. */
export type AddWritePermOfBrokerRequestHeader = z.output<typeof AddWritePermOfBrokerRequestHeader>;

/** AddWritePermOfBrokerResponseHeader (327). */
export const AddWritePermOfBrokerResponseHeader = z.object({ addTopicCount: f.int() });
/** Decoded AddWritePermOfBrokerResponseHeader. */
export type AddWritePermOfBrokerResponseHeader = z.output<
  typeof AddWritePermOfBrokerResponseHeader
>;

/** DeleteTopicFromNamesrvRequestHeader (216). */
export const DeleteTopicFromNamesrvRequestHeader = z.object({
  topic: f.string(),
  clusterName: f.string().optional(),
});
/** Decoded DeleteTopicFromNamesrvRequestHeader. */
export type DeleteTopicFromNamesrvRequestHeader = z.output<
  typeof DeleteTopicFromNamesrvRequestHeader
>;

/** GetTopicsByClusterRequestHeader (224). */
export const GetTopicsByClusterRequestHeader = z.object({ cluster: f.string() });
/** Decoded GetTopicsByClusterRequestHeader. */
export type GetTopicsByClusterRequestHeader = z.output<typeof GetTopicsByClusterRequestHeader>;
