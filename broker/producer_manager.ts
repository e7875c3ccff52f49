/**
 * The broker's table of live producer groups (RocketMQ `ProducerManager`): heartbeats register a
 * connection per group, UNREGISTER_CLIENT and closed connections remove it, a periodic scan drops
 * connections silent for `channelExpiredTimeout`. Used for GET_PRODUCER_CONNECTION_LIST and to find
 * a producer connection for transaction check-backs (features.md §5).
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import { tableFullError } from "./broker_error.ts";
import type {
  ClientChannel,
  ClientChannelInfo,
  ClientChannelRegistration,
} from "./client_channel_info.ts";
import { CHANNEL_EXPIRED_TIMEOUT_MS_DEFAULT } from "./consumer_manager.ts";
import { PRODUCER_GROUPS_MAX } from "./limits.ts";

/** Options for {@linkcode ProducerManager}. */
export interface ProducerManagerOptions {
  /** time source for heartbeat timestamps and expiry */
  readonly clock: Clock;
  /** silence after which a connection is dropped; default 120 000 ms */
  readonly channelExpiredTimeoutMs?: number;
}

/** A connection dropped by {@linkcode ProducerManager.scanNotActiveChannel}. */
export interface ExpiredProducerChannel<C extends ClientChannel> {
  /** the group it was registered in */
  readonly group: string;
  /** its registration; the caller closes `info.channel` */
  readonly info: ClientChannelInfo<C>;
}

/**
 * Live producer groups keyed by group name; connections keyed by connection id.
 *
 * @typeParam C the processors layer's connection type (at least `{ id, remoteAddress }`)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../common/clock.ts";
 * import { ProducerManager } from "./producer_manager.ts";
 * const manager = new ProducerManager({ clock: new ManualClock() });
 * const channel = { id: "c1", remoteAddress: "10.0.0.2:50000" };
 * manager.registerProducer("PG", { channel, clientId: "10.0.0.2@1", language: "JAVA", version: 399 });
 * assert.equal(manager.getProducerConnections("PG")?.[0].clientId, "10.0.0.2@1");
 * assert.equal(manager.findChannel("10.0.0.2@1"), channel);
 * ```
 */
export class ProducerManager<C extends ClientChannel = ClientChannel> {
  readonly #clock: Clock;
  readonly #expiredTimeoutMs: number;
  readonly #groups = new Map<string, Map<string, ClientChannelInfo<C>>>();
  /** latest connection per client id (RocketMQ `clientChannelTable`) */
  readonly #byClientId = new Map<string, C>();
  #roundRobin = 0;

  /** @param options clock and expiry */
  constructor(options: ProducerManagerOptions) {
    this.#clock = options.clock;
    this.#expiredTimeoutMs = options.channelExpiredTimeoutMs ?? CHANNEL_EXPIRED_TIMEOUT_MS_DEFAULT;
  }

  /** number of groups with at least one connection */
  get groupCount(): number {
    return this.#groups.size;
  }

  /** @returns the names of the live groups */
  groupNames(): string[] {
    return [...this.#groups.keys()];
  }

  /**
   * Records a heartbeat's producer group (RocketMQ `registerProducer`): adds the connection if new,
   * else refreshes its timestamp.
   *
   * @param group the producer group
   * @param registration the connection and what the heartbeat said about the client
   * @returns true when the connection is new to the group
   * @throws {BrokerError} SYSTEM_BUSY when a maximum of `limits.ts` would be passed; nothing changes
   */
  registerProducer(group: string, registration: ClientChannelRegistration<C>): boolean {
    const nowMs = this.#clock.now();
    const channels = this.#groups.get(group);
    const old = channels?.get(registration.channel.id);
    if (old !== undefined) {
      old.lastUpdateTimestamp = nowMs;
      return false;
    }
    this.#checkLimits(group, channels);
    const table = channels ?? new Map<string, ClientChannelInfo<C>>();
    if (channels === undefined) this.#groups.set(group, table);
    table.set(registration.channel.id, { ...registration, lastUpdateTimestamp: nowMs });
    this.#byClientId.set(registration.clientId, registration.channel);
    return true;
  }

  #checkLimits(group: string, channels: Map<string, ClientChannelInfo<C>> | undefined): void {
    const what = `Cannot register producer group ${group}`;
    if (channels === undefined && this.#groups.size >= PRODUCER_GROUPS_MAX) {
      throw tableFullError(
        what,
        `broker has ${this.#groups.size} producer groups, producerGroupsMax ${PRODUCER_GROUPS_MAX}`,
      );
    }
    // No per-group cap on connections: every client's heartbeat lists CLIENT_INNER_PRODUCER, so
    // that group holds one connection per client; SERVER_CONNECTIONS_MAX bounds them all.
  }

  /**
   * Removes a connection from a group (UNREGISTER_CLIENT); an emptied group is dropped.
   *
   * @param group the producer group
   * @param channel the connection that asked
   * @returns true when the connection was a member
   */
  unregisterProducer(group: string, channel: C): boolean {
    const channels = this.#groups.get(group);
    const info = channels?.get(channel.id);
    if (channels === undefined || info === undefined) return false;
    this.#remove(group, channels, info);
    return true;
  }

  /**
   * Removes a closed connection from every group.
   *
   * @param channelId the closed connection's id
   * @returns the groups it was removed from
   */
  doChannelCloseEvent(channelId: string): string[] {
    const groups: string[] = [];
    for (const [group, channels] of [...this.#groups]) {
      const info = channels.get(channelId);
      if (info === undefined) continue;
      this.#remove(group, channels, info);
      groups.push(group);
    }
    return groups;
  }

  /**
   * Drops connections silent for more than `channelExpiredTimeoutMs`; the caller closes them.
   *
   * @returns the dropped connections
   */
  scanNotActiveChannel(): ExpiredProducerChannel<C>[] {
    const nowMs = this.#clock.now();
    const expired: ExpiredProducerChannel<C>[] = [];
    for (const [group, channels] of [...this.#groups]) {
      for (const info of [...channels.values()]) {
        if (nowMs - info.lastUpdateTimestamp <= this.#expiredTimeoutMs) continue;
        this.#remove(group, channels, info);
        expired.push({ group, info });
      }
    }
    return expired;
  }

  #remove(
    group: string,
    channels: Map<string, ClientChannelInfo<C>>,
    info: ClientChannelInfo<C>,
  ): void {
    channels.delete(info.channel.id);
    if (this.#byClientId.get(info.clientId) === info.channel) {
      this.#byClientId.delete(info.clientId);
    }
    if (channels.size === 0) this.#groups.delete(group);
  }

  /**
   * The group's connections for GET_PRODUCER_CONNECTION_LIST.
   *
   * @param group the producer group
   * @returns the registrations, or undefined when the group has no connection (the processor
   *   answers SYSTEM_ERROR "the producer group[...] not exist")
   */
  getProducerConnections(group: string): ClientChannelInfo<C>[] | undefined {
    const channels = this.#groups.get(group);
    return channels === undefined ? undefined : [...channels.values()];
  }

  /**
   * A connection of the group for a transaction check-back, taken round-robin (RocketMQ
   * `getAvailableChannel`; whether it is writable is the caller's concern).
   *
   * @param group the producer group (`PGROUP` of the half message)
   * @returns a connection, or undefined when the group has none
   */
  getAvailableChannel(group: string): C | undefined {
    const channels = this.#groups.get(group);
    if (channels === undefined || channels.size === 0) return undefined;
    const list = [...channels.values()];
    this.#roundRobin = (this.#roundRobin + 1) % 0x7fffffff;
    return list[this.#roundRobin % list.length].channel;
  }

  /**
   * @param clientId a client id
   * @returns the connection that most recently registered that id as a producer
   */
  findChannel(clientId: string): C | undefined {
    return this.#byClientId.get(clientId);
  }
}
