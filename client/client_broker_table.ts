/**
 * The brokers a client instance knows (RocketMQ `MQClientInstance.brokerAddrTable` and the calls
 * that walk it): addresses by broker name and id from routes, address lookup for publish and
 * subscribe, offline-broker cleanup, heartbeat rounds, UNREGISTER_CLIENT and the consumer start's
 * CHECK_CLIENT_CONFIG.
 *
 * @module
 */

import type { RemotingLogger } from "../protocol/remoting_logger.ts";
import { AsyncLock } from "./_async_lock.ts";
import { brokerVIPChannel } from "./client_config.ts";
import { MQClientError } from "./client_error.ts";
import type { ConsumerData, HeartbeatData } from "./heartbeat_data.ts";
import { CLIENT_INNER_PRODUCER_GROUP, MASTER_ID } from "./message_const.ts";
import type { MQClientAPI } from "./mq_client_api.ts";
import type { MQConsumerInner } from "./mq_client_inner.ts";
import type { TopicRouteData } from "./topic_route.ts";

/**
 * A broker found for a subscription (RocketMQ `FindBrokerResult`).
 *
 * @example
 * ```ts
 * import type { FindBrokerResult } from "./client_broker_table.ts";
 * const found: FindBrokerResult = { brokerAddr: "10.0.0.2:10911", slave: true, brokerVersion: 0 };
 * const readFrom = found.slave ? `slave ${found.brokerAddr}` : `master ${found.brokerAddr}`;
 * if (readFrom !== "slave 10.0.0.2:10911") throw new Error(readFrom);
 * ```
 */
export interface FindBrokerResult {
  /** its address */
  brokerAddr: string;
  /** whether it is a slave */
  slave: boolean;
  /** its MQVersion ordinal from the last heartbeat, 0 when unknown */
  brokerVersion: number;
}

/** The consumer groups of a heartbeat (RocketMQ `ConsumerData`), each subscription copied. */
function heartbeatConsumerData(consumers: Iterable<MQConsumerInner>): ConsumerData[] {
  return [...consumers].map((c) => ({
    groupName: c.groupName,
    consumeType: c.consumeType,
    messageModel: c.messageModel,
    consumeFromWhere: c.consumeFromWhere,
    subscriptionDataSet: c.subscriptions().map((s) => ({ ...s })),
    unitMode: c.unitMode ?? false,
  }));
}

/** Options of {@linkcode ClientBrokerTable}. */
export interface ClientBrokerTableOptions {
  /** remote calls */
  api: MQClientAPI;
  /** this client's id */
  clientId: string;
  /** timeout of heartbeats, unregisters and client checks */
  timeoutMs: number;
  /** send client checks to the broker's VIP port, as RocketMQ does when on; default false */
  vipChannelEnabled?: boolean;
  /** where failures are logged */
  logger: RemotingLogger;
  /** the cached routes (to tell offline brokers) */
  routes: () => Iterable<TopicRouteData>;
  /** the registered producer groups (heartbeats carry them) */
  producerGroups: () => Iterable<string>;
}

/**
 * Broker addresses by name and id, and the calls made to all of them.
 *
 * @example
 * ```ts
 * import { ClientBrokerTable } from "./client_broker_table.ts";
 * import { resolveClientConfig } from "./client_config.ts";
 * import { staticClientEnv } from "./client_env.ts";
 * import { MQClientAPI } from "./mq_client_api.ts";
 * const env = staticClientEnv({ pid: 1 });
 * const config = resolveClientConfig({ namesrvAddr: "127.0.0.1:9876" }, { env });
 * const api = new MQClientAPI(config);
 * const table = new ClientBrokerTable({
 *   api, clientId: config.clientId, timeoutMs: 3000, logger: config.logger,
 *   routes: () => [], producerGroups: () => [],
 * });
 * const brokerAddrs = new Map([[0, "10.0.0.1:10911"]]);
 * table.addRoute({
 *   queueDatas: [], filterServerTable: new Map(),
 *   brokerDatas: [{ cluster: "C", brokerName: "b", brokerAddrs, enableActingMaster: false }],
 * });
 * if (table.findBrokerAddressInPublish("b") !== "10.0.0.1:10911") throw new Error();
 * await api.shutdown();
 * ```
 */
export class ClientBrokerTable {
  readonly #options: ClientBrokerTableOptions;
  readonly #table = new Map<string, Map<number, string>>();
  readonly #versions = new Map<string, number>();
  readonly #heartbeatLock = new AsyncLock();

  /**
   * Creates an empty table.
   *
   * @param options api, identity, timeouts and the sources of routes and groups
   */
  constructor(options: ClientBrokerTableOptions) {
    this.#options = options;
  }

  /** broker name → (broker id → address) */
  get brokerAddrTable(): ReadonlyMap<string, ReadonlyMap<number, string>> {
    return this.#table;
  }

  /**
   * Takes the broker addresses of a route (RocketMQ puts each BrokerData's map as is).
   *
   * @param route a freshly fetched route
   */
  addRoute(route: TopicRouteData): void {
    for (const bd of route.brokerDatas) this.#table.set(bd.brokerName, new Map(bd.brokerAddrs));
  }

  /**
   * Where to send to a broker group.
   *
   * @param brokerName a broker group
   * @returns its master's address, if known (RocketMQ `findBrokerAddressInPublish`)
   */
  findBrokerAddressInPublish(brokerName: string): string | undefined {
    return this.#table.get(brokerName)?.get(MASTER_ID);
  }

  /**
   * RocketMQ `findBrokerAddressInSubscribe`: the wanted id; for a slave id also the next id; then,
   * unless `onlyThisBroker`, any member.
   *
   * @param brokerName a broker group
   * @param brokerId the wanted member (0 = master)
   * @param onlyThisBroker do not fall back to another member
   * @returns the member found, or undefined
   */
  findBrokerAddressInSubscribe(
    brokerName: string,
    brokerId: number,
    onlyThisBroker: boolean,
  ): FindBrokerResult | undefined {
    const map = this.#table.get(brokerName);
    if (map === undefined || map.size === 0) return undefined;
    let addr = map.get(brokerId);
    let slave = brokerId !== MASTER_ID;
    if (addr === undefined && slave) addr = map.get(brokerId + 1);
    if (addr === undefined && !onlyThisBroker) {
      const [id, any] = map.entries().next().value as [number, string];
      addr = any;
      slave = id !== MASTER_ID;
    }
    if (addr === undefined) return undefined;
    return { brokerAddr: addr, slave, brokerVersion: this.#versions.get(addr) ?? 0 };
  }

  /**
   * A broker serving a topic (RocketMQ `findBrokerAddrByTopic`): a random group of its route,
   * its master if any, else a random member.
   *
   * @param route the topic's route, if cached
   * @returns an address, or undefined
   */
  findBrokerAddrByTopic(route: TopicRouteData | undefined): string | undefined {
    const brokers = route?.brokerDatas ?? [];
    if (brokers.length === 0) return undefined;
    const bd = brokers[Math.floor(Math.random() * brokers.length)];
    const master = bd.brokerAddrs.get(MASTER_ID);
    if (master !== undefined) return master;
    const addrs = [...bd.brokerAddrs.values()];
    return addrs[Math.floor(Math.random() * addrs.length)];
  }

  /**
   * Drops addresses no cached route mentions any more (RocketMQ `cleanOfflineBroker`).
   */
  cleanOfflineBroker(): void {
    const live = new Set<string>();
    for (const route of this.#options.routes()) {
      for (const bd of route.brokerDatas) {
        for (const addr of bd.brokerAddrs.values()) live.add(addr);
      }
    }
    for (const [name, map] of this.#table) {
      for (const [id, addr] of map) {
        if (!live.has(addr)) {
          map.delete(id);
          this.#versions.delete(addr);
          this.#options.logger.info(`The broker addr[${name} ${addr}] is offline, remove it`);
        }
      }
      if (map.size === 0) this.#table.delete(name);
    }
  }

  /**
   * One heartbeat round unless one is running: to every broker, or only masters when there is no
   * consumer group. Failures are logged per broker.
   *
   * @param consumers the consumer groups to announce, read when the round starts
   * @param only send to this address alone (it must be in the table)
   * @returns brokers that answered and that failed; undefined when a round was running
   */
  sendHeartbeats(
    consumers: () => Iterable<MQConsumerInner>,
    only?: string,
  ): Promise<{ sent: string[]; failed: string[] } | undefined> {
    return this.#heartbeatLock.tryRun(async () => {
      const consumerDataSet = heartbeatConsumerData(consumers());
      const groups = new Set([...this.#options.producerGroups(), CLIENT_INNER_PRODUCER_GROUP]);
      const producerDataSet = [...groups].map((groupName) => ({ groupName }));
      const data: HeartbeatData = {
        clientID: this.#options.clientId,
        producerDataSet,
        consumerDataSet,
      };
      const targets: string[] = [];
      for (const map of this.#table.values()) {
        for (const [id, addr] of map) {
          if (
            only !== undefined ? addr !== only : consumerDataSet.length === 0 && id !== MASTER_ID
          ) {
            continue;
          }
          targets.push(addr);
        }
      }
      const sent: string[] = [];
      const failed: string[] = [];
      await Promise.all(targets.map(async (addr) => {
        try {
          this.#versions.set(
            addr,
            await this.#options.api.sendHeartbeat(addr, data, this.#options.timeoutMs),
          );
          sent.push(addr);
        } catch (error) {
          failed.push(addr);
          this.#options.logger.warn(
            `Send heart beat to broker ${addr} failed: ${(error as Error).message}`,
          );
        }
      }));
      return { sent, failed };
    });
  }

  /**
   * RocketMQ 5.x `onChannelActive` (ClientConfig `enableHeartbeatChannelEventListener`, on by
   * default): a new connection to a broker of the table, such as one that restarted, gets a
   * heartbeat at once, not at the next period (30 s by default). Until a heartbeat comes, a
   * restarted broker refuses the group's pulls (SUBSCRIPTION_NOT_EXIST) and lists none of its
   * consumers. Skipped while a heartbeat round runs, as RocketMQ's `tryLock` skips it.
   *
   * @param addr the remote address of the new connection
   * @param consumers the consumer groups to announce
   * @returns whether `addr` is a known broker and took the heartbeat; never rejects
   */
  async heartbeatOnChannelActive(
    addr: string,
    consumers: () => Iterable<MQConsumerInner>,
  ): Promise<boolean> {
    if (![...this.#table.values()].some((map) => [...map.values()].includes(addr))) return false;
    try {
      return (await this.sendHeartbeats(consumers, addr))?.sent.includes(addr) ?? false;
    } catch (error) {
      this.#options.logger.warn(`Send heart beat to broker ${addr} failed: ${String(error)}`);
      return false;
    }
  }

  /**
   * RocketMQ `checkClientInBroker`: for each consumer group and each of its subscriptions that is
   * not a tag expression, asks a broker of the topic ({@linkcode ClientBrokerTable.findBrokerAddrByTopic}) with
   * CHECK_CLIENT_CONFIG whether it can filter by it. A topic with no known broker is skipped, as
   * RocketMQ skips it. Stops at the first failure.
   *
   * @param consumers the registered consumer groups
   * @param routeOf the cached route of a topic
   * @throws {MQClientError} `CODE: <code>  DESC: <remark>` with the broker's answer when it
   *   refuses; `Check client in broker error: ...` with the cause when the call failed
   */
  async checkClientInBroker(
    consumers: Iterable<MQConsumerInner>,
    routeOf: (topic: string) => TopicRouteData | undefined,
  ): Promise<void> {
    const { api, clientId, timeoutMs } = this.#options;
    for (const consumer of consumers) {
      const group = consumer.groupName;
      for (const subscriptionData of consumer.subscriptions()) {
        const { topic, expressionType } = subscriptionData;
        if (expressionType === "TAG") continue;
        const addr = this.findBrokerAddrByTopic(routeOf(topic));
        if (addr === undefined) continue;
        const vipAddr = brokerVIPChannel(this.#options.vipChannelEnabled ?? false, addr);
        try {
          await api.checkClientInBroker(vipAddr, { clientId, group, subscriptionData }, timeoutMs);
        } catch (error) {
          if (error instanceof MQClientError) throw error;
          throw new MQClientError(
            `Check client in broker error: cannot ask broker ${vipAddr} whether it can filter topic ${topic} by ${expressionType} for group ${group}: ${
              (error as Error).message
            }`,
            { cause: error },
          );
        }
      }
    }
  }

  /**
   * UNREGISTER_CLIENT for one group to every known broker; failures are logged.
   *
   * @param group the producer or consumer group leaving
   */
  async unregisterClient(group: { producerGroup?: string; consumerGroup?: string }): Promise<void> {
    const calls: Promise<void>[] = [];
    for (const map of this.#table.values()) {
      for (const addr of map.values()) {
        calls.push(
          this.#options.api.unregisterClient(
            addr,
            { clientID: this.#options.clientId, ...group },
            this.#options.timeoutMs,
          ).catch((error: Error) => {
            this.#options.logger.warn(
              `Unregister client from broker ${addr} failed: ${error.message}`,
            );
          }),
        );
      }
    }
    await Promise.all(calls);
  }
}
