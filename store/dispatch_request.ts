/**
 * What the commit log tells its followers (consume queues, index, HA) about each stored record.
 * The reput loop of the message store decodes each record once and hands the same request to
 * every registered {@linkcode CommitLogDispatcher}.
 *
 * @module
 */

/** One stored record, as seen by the followers of the commit log. */
export interface DispatchRequest {
  /** the record's topic */
  readonly topic: string;
  /** the record's queue id */
  readonly queueId: number;
  /** byte offset of the record in the whole commit log */
  readonly commitLogOffset: number;
  /** TOTALSIZE of the record in bytes */
  readonly msgSize: number;
  /** consume-queue tag code: String.hashCode of TAGS (0 when none), or a delivery time */
  readonly tagsCode: number;
  /** broker store time, ms since the epoch */
  readonly storeTimestamp: number;
  /** the record's queue offset (entries, not bytes) */
  readonly consumeQueueOffset: number;
  /** the KEYS property ("" when none); space-separated */
  readonly keys: string;
  /** the UNIQ_KEY property, when present */
  readonly uniqKey?: string;
  /** the record's sysFlag (transaction type bits decide what is dispatched) */
  readonly sysFlag: number;
  /** commit-log offset of the half message for committed transactional records, else 0 */
  readonly preparedTransactionOffset: number;
}

/** A follower of the commit log. Called in commit-log order, once per record. */
export interface CommitLogDispatcher {
  /** Applies one record. May be called again for the same record after a crash. */
  dispatch(request: DispatchRequest): void | Promise<void>;
}
