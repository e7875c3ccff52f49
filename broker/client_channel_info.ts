/**
 * One client connection as the consumer and producer managers see it (RocketMQ
 * `ClientChannelInfo`): the connection, the client id it announced, its language and version, and
 * when it last sent a heartbeat. Membership is tracked per connection, not per client id: several
 * processes may announce the same client id (same IP and instance name) over different connections.
 *
 * @module
 */

/**
 * The least the managers need of a connection. The processors layer passes its real connection
 * object (which has at least these two fields); the managers never call into it.
 */
export interface ClientChannel {
  /** unique for the life of the broker process; the key of every per-connection table */
  readonly id: string;
  /** peer address `ip:port`, for connection listings and messages */
  readonly remoteAddress: string;
}

/** A client connection registered in a group. */
export interface ClientChannelInfo<C extends ClientChannel = ClientChannel> {
  /** the connection */
  readonly channel: C;
  /** the id the client sent in its heartbeat (`clientID`) */
  readonly clientId: string;
  /** the client's language name from the request header, e.g. `JAVA`, `GO` */
  readonly language: string;
  /** the client's version from the request header (RocketMQ `MQVersion` ordinal) */
  readonly version: number;
  /** ms since the epoch of the last heartbeat on this connection */
  lastUpdateTimestamp: number;
}

/** What a heartbeat tells about one connection; the manager adds the timestamp. */
export interface ClientChannelRegistration<C extends ClientChannel = ClientChannel> {
  /** the connection the heartbeat came on */
  readonly channel: C;
  /** the heartbeat's `clientID` */
  readonly clientId: string;
  /** the request header's language name */
  readonly language: string;
  /** the request header's version */
  readonly version: number;
}
