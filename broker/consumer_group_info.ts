/**
 * One consumer group's live state on this broker (RocketMQ `ConsumerGroupInfo`): its connections,
 * the subscriptions its heartbeats announced, and how it consumes. Built and changed only by
 * {@linkcode ConsumerManager}.
 *
 * @module
 */
import type {
  ClientChannel,
  ClientChannelInfo,
  ClientChannelRegistration,
} from "./client_channel_info.ts";
import type { SubscriptionData } from "./filter/subscription_data.ts";

/** RocketMQ `ConsumeType`: pull (`CONSUME_ACTIVELY`), push (`CONSUME_PASSIVELY`), 5.x POP. */
export type ConsumeType = "CONSUME_ACTIVELY" | "CONSUME_PASSIVELY" | "CONSUME_POP";

/** RocketMQ `MessageModel`. */
export type MessageModel = "CLUSTERING" | "BROADCASTING";

/** RocketMQ `ConsumeFromWhere` names (bodies.md §5), the deprecated ones included. */
export type ConsumeFromWhere =
  | "CONSUME_FROM_LAST_OFFSET"
  | "CONSUME_FROM_FIRST_OFFSET"
  | "CONSUME_FROM_TIMESTAMP"
  | "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST"
  | "CONSUME_FROM_MIN_OFFSET"
  | "CONSUME_FROM_MAX_OFFSET";

/** How a group consumes, as its latest heartbeat said. */
export interface ConsumeMode {
  /** pull, push or POP */
  readonly consumeType: ConsumeType;
  /** clustering or broadcasting */
  readonly messageModel: MessageModel;
  /** start position for queues without a committed offset */
  readonly consumeFromWhere: ConsumeFromWhere;
}

/** Options for {@linkcode ConsumerGroupInfo.updateChannel}. */
export interface UpdateChannelOptions<C extends ClientChannel> extends ConsumeMode {
  /** the connection and what the heartbeat said about it */
  readonly registration: ClientChannelRegistration<C>;
  /** the time of the heartbeat, ms since the epoch */
  readonly nowMs: number;
}

/** A consumer group: connections keyed by connection id, subscriptions keyed by topic. */
export class ConsumerGroupInfo<C extends ClientChannel = ClientChannel> {
  /** the group name */
  readonly groupName: string;
  #mode: ConsumeMode;
  #lastUpdateTimestamp: number;
  readonly #channels = new Map<string, ClientChannelInfo<C>>();
  readonly #subscriptions = new Map<string, SubscriptionData>();

  /**
   * @param groupName the group
   * @param mode how the group consumes
   * @param nowMs creation time, ms since the epoch
   */
  constructor(groupName: string, mode: ConsumeMode, nowMs: number) {
    this.groupName = groupName;
    this.#mode = { ...mode };
    this.#lastUpdateTimestamp = nowMs;
  }

  /** pull, push or POP, from the latest heartbeat */
  get consumeType(): ConsumeType {
    return this.#mode.consumeType;
  }

  /** clustering or broadcasting, from the latest heartbeat */
  get messageModel(): MessageModel {
    return this.#mode.messageModel;
  }

  /** start position, from the latest heartbeat */
  get consumeFromWhere(): ConsumeFromWhere {
    return this.#mode.consumeFromWhere;
  }

  /** ms since the epoch of the latest heartbeat of any member */
  get lastUpdateTimestamp(): number {
    return this.#lastUpdateTimestamp;
  }

  /** number of registered connections */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** subscriptions by topic (read-only view) */
  get subscriptionTable(): ReadonlyMap<string, SubscriptionData> {
    return this.#subscriptions;
  }

  /** @returns the registered connections with their client info, in registration order */
  channelInfos(): ClientChannelInfo<C>[] {
    return [...this.#channels.values()];
  }

  /**
   * @param channelId a connection id
   * @returns the registration of that connection, if it is a member
   */
  findChannelInfo(channelId: string): ClientChannelInfo<C> | undefined {
    return this.#channels.get(channelId);
  }

  /**
   * @param clientId a client id
   * @returns the first connection registered with that client id (RocketMQ `findChannel`)
   */
  findChannel(clientId: string): ClientChannelInfo<C> | undefined {
    for (const info of this.#channels.values()) if (info.clientId === clientId) return info;
    return undefined;
  }

  /** @returns the member connections, for NOTIFY_CONSUMER_IDS_CHANGED */
  getAllChannels(): C[] {
    return [...this.#channels.values()].map((info) => info.channel);
  }

  /**
   * The client ids of all member connections, one per connection, as RocketMQ's `getAllClientId`:
   * two connections announcing the same id give it twice (clients sort and index the list).
   *
   * @returns the ids, in registration order
   */
  getAllClientIds(): string[] {
    return [...this.#channels.values()].map((info) => info.clientId);
  }

  /**
   * @param topic a topic
   * @returns the group's subscription to it, if any
   */
  findSubscriptionData(topic: string): SubscriptionData | undefined {
    return this.#subscriptions.get(topic);
  }

  /**
   * Records a heartbeat from one connection (RocketMQ `updateChannel`): adopts the heartbeat's
   * consume mode, adds the connection if new, and refreshes its timestamp. A known connection that
   * now announces another client id is re-registered under it without counting as a change, as
   * RocketMQ does.
   *
   * @param options the connection, consume mode and time
   * @returns true when the connection is new to the group (membership changed)
   */
  updateChannel(options: UpdateChannelOptions<C>): boolean {
    const { registration, nowMs } = options;
    this.#mode = {
      consumeType: options.consumeType,
      messageModel: options.messageModel,
      consumeFromWhere: options.consumeFromWhere,
    };
    this.#lastUpdateTimestamp = nowMs;
    const old = this.#channels.get(registration.channel.id);
    if (old !== undefined && old.clientId === registration.clientId) {
      old.lastUpdateTimestamp = nowMs;
      return false;
    }
    this.#channels.set(registration.channel.id, { ...registration, lastUpdateTimestamp: nowMs });
    return old === undefined;
  }

  /**
   * Replaces the group's subscriptions with a heartbeat's list (RocketMQ `updateSubscription`): new
   * topics are added, a topic's newer `subVersion` replaces the old entry, topics missing from the
   * list are removed.
   *
   * @param subscriptions the heartbeat's subscriptions
   * @param nowMs time of the heartbeat
   * @returns true when a topic was added or removed (a changed expression alone is not a change)
   */
  updateSubscription(subscriptions: readonly SubscriptionData[], nowMs: number): boolean {
    let updated = false;
    const topics = new Set<string>();
    for (const sub of subscriptions) {
      topics.add(sub.topic);
      const old = this.#subscriptions.get(sub.topic);
      if (old === undefined) {
        this.#subscriptions.set(sub.topic, sub);
        updated = true;
      } else if (sub.subVersion > old.subVersion) {
        this.#subscriptions.set(sub.topic, sub);
      }
    }
    for (const topic of [...this.#subscriptions.keys()]) {
      if (!topics.has(topic)) {
        this.#subscriptions.delete(topic);
        updated = true;
      }
    }
    this.#lastUpdateTimestamp = nowMs;
    return updated;
  }

  /**
   * Removes one connection (UNREGISTER_CLIENT or connection closed).
   *
   * @param channelId the connection id
   * @returns the removed registration, or undefined when it was not a member
   */
  removeChannel(channelId: string): ClientChannelInfo<C> | undefined {
    const info = this.#channels.get(channelId);
    if (info !== undefined) this.#channels.delete(channelId);
    return info;
  }

  /**
   * Removes the connections whose last heartbeat is more than `timeoutMs` old.
   *
   * @param nowMs the current time
   * @param timeoutMs the allowed silence (`channelExpiredTimeout`)
   * @returns the removed registrations
   */
  removeExpiredChannels(nowMs: number, timeoutMs: number): ClientChannelInfo<C>[] {
    const removed: ClientChannelInfo<C>[] = [];
    for (const [id, info] of this.#channels) {
      if (nowMs - info.lastUpdateTimestamp > timeoutMs) {
        this.#channels.delete(id);
        removed.push(info);
      }
    }
    return removed;
  }
}
