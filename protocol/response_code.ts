/**
 * RocketMQ response codes (`shared/spec/codes.md` §2): the outcome of a request. 209–211 were reused
 * in 5.x; both names are listed, {@linkcode responseCodeName} gives the 5.x one.
 *
 * @module
 */

/**
 * Response codes by RocketMQ name.
 *
 * @example
 * ```ts
 * import { ResponseCode } from "./response_code.ts";
 * import { createRequest, createResponse } from "./remoting_command.ts";
 * const request = createRequest(105, { extFields: { topic: "NoSuchTopic" } });
 * const response = createResponse(request, ResponseCode.TOPIC_NOT_EXIST, "No topic route info");
 * if (response.code !== 17) throw new Error("TOPIC_NOT_EXIST is 17");
 * ```
 */
export const ResponseCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  SYSTEM_BUSY: 2,
  REQUEST_CODE_NOT_SUPPORTED: 3,
  /** unused */
  TRANSACTION_FAILED: 4,
  /** SYNC_FLUSH timed out; the message is stored */
  FLUSH_DISK_TIMEOUT: 10,
  /** SYNC_MASTER without an in-sync slave; the message is stored */
  SLAVE_NOT_AVAILABLE: 11,
  /** slave ack timed out; the message is stored */
  FLUSH_SLAVE_TIMEOUT: 12,
  MESSAGE_ILLEGAL: 13,
  SERVICE_NOT_AVAILABLE: 14,
  VERSION_NOT_SUPPORTED: 15,
  NO_PERMISSION: 16,
  TOPIC_NOT_EXIST: 17,
  TOPIC_EXIST_ALREADY: 18,
  PULL_NOT_FOUND: 19,
  PULL_RETRY_IMMEDIATELY: 20,
  PULL_OFFSET_MOVED: 21,
  QUERY_NOT_FOUND: 22,
  SUBSCRIPTION_PARSE_FAILED: 23,
  SUBSCRIPTION_NOT_EXIST: 24,
  SUBSCRIPTION_NOT_LATEST: 25,
  SUBSCRIPTION_GROUP_NOT_EXIST: 26,
  FILTER_DATA_NOT_EXIST: 27,
  FILTER_DATA_NOT_LATEST: 28,
  /** 5.x */
  INVALID_PARAMETER: 29,
  TRANSACTION_SHOULD_COMMIT: 200,
  TRANSACTION_SHOULD_ROLLBACK: 201,
  TRANSACTION_STATE_UNKNOW: 202,
  TRANSACTION_STATE_GROUP_WRONG: 203,
  NO_BUYER_ID: 204,
  NOT_IN_CURRENT_UNIT: 205,
  CONSUMER_NOT_ONLINE: 206,
  CONSUME_MSG_TIMEOUT: 207,
  /** 5.x POP found nothing */
  NO_MESSAGE: 208,
  /** 5.x; 4.x UPDATE_AND_CREATE_ACL_CONFIG_FAILED */
  POLLING_FULL: 209,
  /** 5.x; 4.x DELETE_ACL_CONFIG_FAILED */
  POLLING_TIMEOUT: 210,
  /** 5.x; 4.x UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED */
  BROKER_NOT_EXIST: 211,
  /** 4.x name of 209 */
  UPDATE_AND_CREATE_ACL_CONFIG_FAILED: 209,
  /** 4.x name of 210 */
  DELETE_ACL_CONFIG_FAILED: 210,
  /** 4.x name of 211 */
  UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED: 211,
  /** 5.x */
  BROKER_DISPATCH_NOT_COMPLETE: 212,
  /** 5.x */
  BROADCAST_CONSUMPTION: 213,
  /** 5.x */
  FLOW_CONTROL: 215,
  /** 5.x */
  NOT_LEADER_FOR_QUEUE: 501,
  /** 5.x */
  ILLEGAL_OPERATION: 604,
  /** 5.x internal, never sent by a broker */
  RPC_UNKNOWN: -1000,
  /** 5.x internal, never sent by a broker */
  RPC_ADDR_IS_NULL: -1002,
  /** 5.x internal, never sent by a broker */
  RPC_SEND_TO_CHANNEL_FAILED: -1004,
  /** 5.x internal, never sent by a broker */
  RPC_TIME_OUT: -1006,
  /** 5.x: server shutting down, retry elsewhere */
  GO_AWAY: 1500,
  /** 5.x controller */
  CONTROLLER_FENCED_MASTER_EPOCH: 2000,
  /** 5.x controller */
  CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH: 2001,
  /** 5.x controller */
  CONTROLLER_INVALID_MASTER: 2002,
  /** 5.x controller */
  CONTROLLER_INVALID_REPLICAS: 2003,
  /** 5.x controller */
  CONTROLLER_MASTER_NOT_AVAILABLE: 2004,
  /** 5.x controller */
  CONTROLLER_INVALID_REQUEST: 2005,
  /** 5.x controller */
  CONTROLLER_BROKER_NOT_ALIVE: 2006,
  /** 5.x controller */
  CONTROLLER_NOT_LEADER: 2007,
  /** 5.x controller */
  CONTROLLER_BROKER_METADATA_NOT_EXIST: 2008,
  /** 5.x controller */
  CONTROLLER_INVALID_CLEAN_BROKER_METADATA: 2009,
  /** 5.x controller */
  CONTROLLER_BROKER_NEED_TO_BE_REGISTERED: 2010,
  /** 5.x controller */
  CONTROLLER_MASTER_STILL_EXIST: 2011,
  /** 5.x controller */
  CONTROLLER_ELECT_MASTER_FAILED: 2012,
  /** 5.x controller */
  CONTROLLER_ALTER_SYNC_STATE_SET_FAILED: 2013,
  /** 5.x controller */
  CONTROLLER_BROKER_ID_INVALID: 2014,
  /** 5.x controller */
  CONTROLLER_JRAFT_INTERNAL_ERROR: 2015,
  /** 5.x controller */
  CONTROLLER_BROKER_LIVE_INFO_NOT_EXISTS: 2016,
  /** 5.x ACL 2.0 */
  USER_NOT_EXIST: 3001,
  /** 5.x ACL 2.0 */
  POLICY_NOT_EXIST: 3002,
} as const;

/** A response code name, e.g. "SUCCESS". */
export type ResponseCodeName = keyof typeof ResponseCode;
/** A response code value, e.g. 0. */
export type ResponseCodeValue = typeof ResponseCode[ResponseCodeName];

const NAME_BY_CODE: ReadonlyMap<number, string> = (() => {
  const names = new Map<number, string>();
  // First name wins, so 209-211 get their 5.x names.
  for (const [name, code] of Object.entries(ResponseCode)) {
    if (!names.has(code)) names.set(code, name);
  }
  return names;
})();

/**
 * Returns the RocketMQ name of a response code, for messages and logs.
 *
 * @param code a response code
 * @returns the name (5.x name for reused values), or the decimal code when unknown
 * @example
 * ```ts
 * import { responseCodeName } from "./response_code.ts";
 * if (responseCodeName(10) !== "FLUSH_DISK_TIMEOUT") throw new Error("10 is FLUSH_DISK_TIMEOUT");
 * ```
 */
export function responseCodeName(code: number): string {
  return NAME_BY_CODE.get(code) ?? String(code);
}
