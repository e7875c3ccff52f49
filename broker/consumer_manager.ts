/**
 * The broker's table of live consumer groups (RocketMQ `ConsumerManager`): heartbeats register
 * connections and subscriptions, UNREGISTER_CLIENT and closed connections remove them, and a
 * periodic scan drops connections silent for `channelExpiredTimeout` (120 s). Membership changes
 * are reported to a {@linkcode ConsumerIdsChangeListener} so the processors layer can push
 * NOTIFY_CONSUMER_IDS_CHANGED to the group's members (features.md §8, §12).
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
import { type ConsumeMode, ConsumerGroupInfo } from "./consumer_group_info.ts";
import type { SubscriptionData } from "./filter/subscription_data.ts";
import {
  CHANNELS_PER_GROUP_MAX,
  CONSUMER_GROUPS_MAX,
  SUBSCRIPTIONS_PER_GROUP_MAX,
} from "./limits.ts";

/** RocketMQ's default `channelExpiredTimeout`: a client silent this long is dropped (ms). */
export const CHANNEL_EXPIRED_TIMEOUT_MS_DEFAULT = 120_000;

/**
 * What happened to a consumer group (RocketMQ `ConsumerGroupEvent`):
 * - `CHANGE`: membership changed; `channels` are the members left, to be notified.
 * - `UNREGISTER`: the group's last connection left; the group is gone.
 * - `REGISTER`: a heartbeat (re)announced the group's subscriptions (for SQL filter data).
 */
export type ConsumerGroupEvent<C extends ClientChannel = ClientChannel> =
  | { readonly kind: "CHANGE"; readonly group: string; readonly channels: readonly C[] }
  | { readonly kind: "UNREGISTER"; readonly group: string }
  | {
    readonly kind: "REGISTER";
    readonly group: string;
    readonly subscriptions: readonly SubscriptionData[];
  };

/** Receives consumer group events, synchronously, in the order they happen. */
export interface ConsumerIdsChangeListener<C extends ClientChannel = ClientChannel> {
  /** @param event what happened */
  handle(event: ConsumerGroupEvent<C>): void;
}

/** Options for {@linkcode ConsumerManager}. */
export interface ConsumerManagerOptions<C extends ClientChannel> {
  /** time source for heartbeat timestamps and expiry */
  readonly clock: Clock;
  /** receives membership events; none by default */
  readonly listener?: ConsumerIdsChangeListener<C>;
  /** silence after which a connection is dropped by {@linkcode ConsumerManager.scanNotActiveChannel} */
  readonly channelExpiredTimeoutMs?: number;
}

/** One consumer group from one heartbeat (HeartbeatData `consumerDataSet` entry). */
export interface RegisterConsumerOptions<C extends ClientChannel> extends ConsumeMode {
  /** the group name */
  readonly group: string;
  /** the connection and what the heartbeat said about the client */
  readonly registration: ClientChannelRegistration<C>;
  /** the group's subscriptions from this heartbeat (replaces the previous set) */
  readonly subscriptions: readonly SubscriptionData[];
  /** the group's `notifyConsumerIdsChangedEnable`: whether a CHANGE event is raised */
  readonly notifyConsumerIdsChangedEnable: boolean;
}

/** A connection dropped by {@linkcode ConsumerManager.scanNotActiveChannel}. */
export interface ExpiredConsumerChannel<C extends ClientChannel> {
  /** the group it was registered in */
  readonly group: string;
  /** its registration; the caller closes `info.channel` */
  readonly info: ClientChannelInfo<C>;
}

/**
 * Live consumer groups keyed by group name, connections tracked per connection id.
 *
 * @typeParam C the processors layer's connection type (at least `{ id, remoteAddress }`)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../common/clock.ts";
 * import { ConsumerManager } from "./consumer_manager.ts";
 * const manager = new ConsumerManager({ clock: new ManualClock() });
 * const changed = manager.registerConsumer({
 *   group: "G1",
 *   registration: { channel: { id: "c1", remoteAddress: "10.0.0.2:50000" }, clientId: "10.0.0.2@1", language: "JAVA", version: 399 },
 *   consumeType: "CONSUME_PASSIVELY", messageModel: "CLUSTERING", consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
 *   subscriptions: [], notifyConsumerIdsChangedEnable: true,
 * });
 * assert.equal(changed, true);
 * assert.deepEqual(manager.getConsumerIdList("G1"), ["10.0.0.2@1"]);
 * ```
 */
export class ConsumerManager<C extends ClientChannel = ClientChannel> {
  readonly #clock: Clock;
  readonly #listener: ConsumerIdsChangeListener<C> | undefined;
  readonly #expiredTimeoutMs: number;
  readonly #groups = new Map<string, ConsumerGroupInfo<C>>();

  /** @param options clock, listener and expiry */
  constructor(options: ConsumerManagerOptions<C>) {
    this.#clock = options.clock;
    this.#listener = options.listener;
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
   * @param group a group name
   * @returns the group's live state, if it has connections
   */
  getConsumerGroupInfo(group: string): ConsumerGroupInfo<C> | undefined {
    return this.#groups.get(group);
  }

  /**
   * @param group a group name
   * @param clientId a client id
   * @returns the first connection of the group registered with that id
   */
  findChannel(group: string, clientId: string): ClientChannelInfo<C> | undefined {
    return this.#groups.get(group)?.findChannel(clientId);
  }

  /**
   * The subscription a pull without its own expression uses (features.md §1).
   *
   * @param group a group name
   * @param topic a topic
   * @returns the group's registered subscription to the topic
   */
  findSubscriptionData(group: string, topic: string): SubscriptionData | undefined {
    return this.#groups.get(group)?.findSubscriptionData(topic);
  }

  /**
   * @param group a group name
   * @returns how many topics the group subscribes
   */
  findSubscriptionDataCount(group: string): number {
    return this.#groups.get(group)?.subscriptionTable.size ?? 0;
  }

  /**
   * The group's member ids for GET_CONSUMER_LIST_BY_GROUP: one per connection, so an id shared by
   * two connections appears twice, as in RocketMQ.
   *
   * @param group a group name
   * @returns the ids; empty when the group has no connection (the processor answers SYSTEM_ERROR)
   */
  getConsumerIdList(group: string): string[] {
    return this.#groups.get(group)?.getAllClientIds() ?? [];
  }

  /**
   * @param topic a topic
   * @returns the live groups subscribing it (QUERY_TOPIC_CONSUME_BY_WHO)
   */
  queryTopicConsumeByWho(topic: string): Set<string> {
    const groups = new Set<string>();
    for (const [name, info] of this.#groups) {
      if (info.subscriptionTable.has(topic)) groups.add(name);
    }
    return groups;
  }

  /**
   * Applies one group of a heartbeat (RocketMQ `registerConsumer`). Raises CHANGE (with the group's
   * connections) when the connection is new or a topic was added or removed and
   * `notifyConsumerIdsChangedEnable` is set, then always REGISTER.
   *
   * @param options group, connection, consume mode, subscriptions
   * @returns true when membership or the subscribed topics changed
   * @throws {BrokerError} SYSTEM_BUSY when a maximum of `limits.ts` would be passed; nothing changes
   */
  registerConsumer(options: RegisterConsumerOptions<C>): boolean {
    const { group, registration, subscriptions } = options;
    this.#checkLimits(group, registration.channel.id, subscriptions.length);
    const nowMs = this.#clock.now();
    let info = this.#groups.get(group);
    if (info === undefined) {
      info = new ConsumerGroupInfo<C>(group, options, nowMs);
      this.#groups.set(group, info);
    }
    const channelAdded = info.updateChannel({ ...options, registration, nowMs });
    const topicsChanged = info.updateSubscription(subscriptions, nowMs);
    const changed = channelAdded || topicsChanged;
    if (changed && options.notifyConsumerIdsChangedEnable && this.#listener !== undefined) {
      this.#emit({ kind: "CHANGE", group, channels: info.getAllChannels() });
    }
    this.#emit({ kind: "REGISTER", group, subscriptions });
    return changed;
  }

  /** Refuses before any change when the heartbeat would pass a maximum. */
  #checkLimits(group: string, channelId: string, subscriptionCount: number): void {
    const what = `Cannot register consumer group ${group}`;
    if (subscriptionCount > SUBSCRIPTIONS_PER_GROUP_MAX) {
      throw tableFullError(
        what,
        `heartbeat has ${subscriptionCount} subscriptions, subscriptionsPerGroupMax ${SUBSCRIPTIONS_PER_GROUP_MAX}`,
      );
    }
    const info = this.#groups.get(group);
    if (info === undefined) {
      if (this.#groups.size >= CONSUMER_GROUPS_MAX) {
        throw tableFullError(
          what,
          `broker has ${this.#groups.size} consumer groups, consumerGroupsMax ${CONSUMER_GROUPS_MAX}`,
        );
      }
    } else if (
      info.findChannelInfo(channelId) === undefined && info.channelCount >= CHANNELS_PER_GROUP_MAX
    ) {
      throw tableFullError(
        what,
        `group has ${info.channelCount} connections, channelsPerGroupMax ${CHANNELS_PER_GROUP_MAX}`,
      );
    }
  }

  /**
   * Removes one connection from a group (UNREGISTER_CLIENT). UNREGISTER when it was the last one;
   * CHANGE (with the members left) when `notifyConsumerIdsChangedEnable`, as RocketMQ does.
   *
   * @param group the group name
   * @param channel the connection that asked
   * @param notifyConsumerIdsChangedEnable the group's setting
   * @returns true when the connection was a member
   */
  unregisterConsumer(group: string, channel: C, notifyConsumerIdsChangedEnable: boolean): boolean {
    const info = this.#groups.get(group);
    if (info === undefined) return false;
    const removed = info.removeChannel(channel.id) !== undefined;
    if (info.channelCount === 0) {
      this.#groups.delete(group);
      this.#emit({ kind: "UNREGISTER", group });
    }
    if (notifyConsumerIdsChangedEnable) {
      this.#emit({ kind: "CHANGE", group, channels: info.getAllChannels() });
    }
    return removed;
  }

  /**
   * Removes a closed connection from every group it was in (RocketMQ `doChannelCloseEvent`): per
   * group, UNREGISTER when it was the last member, then CHANGE with the members left.
   *
   * @param channelId the closed connection's id
   * @returns the groups it was removed from
   */
  doChannelCloseEvent(channelId: string): string[] {
    const groups: string[] = [];
    for (const [group, info] of [...this.#groups]) {
      if (info.removeChannel(channelId) === undefined) continue;
      groups.push(group);
      if (info.channelCount === 0) {
        this.#groups.delete(group);
        this.#emit({ kind: "UNREGISTER", group });
      }
      this.#emit({ kind: "CHANGE", group, channels: info.getAllChannels() });
    }
    return groups;
  }

  /**
   * Drops connections silent for more than `channelExpiredTimeoutMs` (run every 10 s by the broker
   * controller). Per affected group: UNREGISTER when it became empty, else CHANGE with the members
   * left (features.md §12). The caller closes the returned connections.
   *
   * @returns the dropped connections
   */
  scanNotActiveChannel(): ExpiredConsumerChannel<C>[] {
    const nowMs = this.#clock.now();
    const expired: ExpiredConsumerChannel<C>[] = [];
    for (const [group, info] of [...this.#groups]) {
      const removed = info.removeExpiredChannels(nowMs, this.#expiredTimeoutMs);
      if (removed.length === 0) continue;
      for (const channelInfo of removed) expired.push({ group, info: channelInfo });
      if (info.channelCount === 0) {
        this.#groups.delete(group);
        this.#emit({ kind: "UNREGISTER", group });
      } else {
        this.#emit({ kind: "CHANGE", group, channels: info.getAllChannels() });
      }
    }
    return expired;
  }

  #emit(event: ConsumerGroupEvent<C>): void {
    this.#listener?.handle(event);
  }
}
