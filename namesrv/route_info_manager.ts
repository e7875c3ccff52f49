/**
 * The name server's route registry, with the semantics of RocketMQ's `RouteInfoManager`
 * (`shared/spec/features.md` §12): brokers register their topics every 30 s, silent brokers
 * expire, a closed broker connection removes its broker at once, queue data comes only from
 * masters (broker id 0; for a 5.x group without one, its lowest slave: RocketMQ's prime slave,
 * read-only under acting master) and slaves learn their master's address.
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import { BROKERS_MAX, RouteRegistryFullError, TOPICS_MAX } from "./limits.ts";
import {
  type BrokerData,
  type BrokerIdentity,
  type BrokerLiveInfo,
  type BrokerRegistration,
  cloneBrokerData,
  type DataVersion,
  dataVersionEquals,
  MASTER_ID,
  PERM_READ,
  PERM_WRITE,
  type QueueData,
  queueDataEquals,
  type RegisterBrokerResult,
  type RouteTablesView,
  type TopicConfig,
  type TopicRouteData,
} from "./route_types.ts";

/** Options of {@linkcode RouteInfoManager}. */
export interface RouteInfoManagerOptions {
  /** time source for liveness */
  clock: Clock;
  /** silence after which a broker is dropped (RocketMQ `BROKER_CHANNEL_EXPIRED_TIME`, 120 s), now */
  brokerChannelExpiredTimeMs: () => number;
  /** 5.x `deleteTopicWithBrokerRegistration`: topics missing from a master's registration are removed */
  deleteTopicWithBrokerRegistration?: () => boolean;
  /** distinct topics held (default TOPICS_MAX) */
  topicsMax?: number;
  /** broker names held (default BROKERS_MAX) */
  brokersMax?: number;
}

export { RouteRegistryFullError } from "./limits.ts";
export type {
  BrokerIdentity,
  BrokerLiveInfo,
  BrokerRegistration,
  RouteTablesView,
} from "./route_types.ts";

/** Key of the live table: RocketMQ 5.x keys brokers by (cluster, address). */
const liveKey = (clusterName: string, brokerAddr: string): string =>
  `${clusterName}\u0000${brokerAddr}`;

/** The route registry. All reads see a consistent state (single-threaded). */
export class RouteInfoManager {
  readonly #topicQueueTable = new Map<string, Map<string, QueueData>>();
  readonly #brokerAddrTable = new Map<string, BrokerData>();
  readonly #clusterAddrTable = new Map<string, Set<string>>();
  readonly #brokerLiveTable = new Map<string, BrokerLiveInfo>();
  readonly #filterServerTable = new Map<string, string[]>();
  readonly #options: RouteInfoManagerOptions;
  #version = 0;

  /** @param options clock and expiry */
  constructor(options: RouteInfoManagerOptions) {
    this.#options = options;
  }

  /** Bumped whenever anything a route or cluster answer shows changes; caches key on it. */
  get version(): number {
    return this.#version;
  }

  /** Read-only views of the tables, for queries (see `route_queries.ts`). */
  get tables(): RouteTablesView {
    return {
      topicQueueTable: this.#topicQueueTable,
      brokerAddrTable: this.#brokerAddrTable,
      clusterAddrTable: this.#clusterAddrTable,
      brokerLiveTable: this.#brokerLiveTable,
    };
  }

  /**
   * Records a broker registration (REGISTER_BROKER).
   *
   * @param reg the decoded request
   * @returns the master's addresses for a slave (empty for masters), or `null` when a 5.x
   *   single-topic registration arrives before the broker's first full registration
   */
  registerBroker(reg: BrokerRegistration): RegisterBrokerResult | null {
    this.#checkRoom(reg);
    const { clusterName, brokerAddr, brokerName, brokerId } = reg;
    let changed = this.#addToCluster(clusterName, brokerName);
    let brokerData = this.#brokerAddrTable.get(brokerName);
    let registerFirst = false;
    if (brokerData === undefined) {
      registerFirst = true;
      brokerData = {
        cluster: clusterName,
        brokerName,
        brokerAddrs: new Map(),
        enableActingMaster: false,
      };
      this.#brokerAddrTable.set(brokerName, brokerData);
      changed = true;
    }
    changed = this.#updateGroupFlags(brokerData, reg) || changed;
    const addrs = brokerData.brokerAddrs;
    for (const [id, addr] of addrs) {
      if (addr === brokerAddr && id !== brokerId) {
        addrs.delete(id);
        changed = true;
      }
    }
    if (this.#isStaleRegistration(reg, addrs)) {
      this.#brokerLiveTable.delete(liveKey(clusterName, brokerAddr));
      if (changed) this.#version++;
      return {};
    }
    if (!addrs.has(brokerId) && reg.topicConfigWrapper.topicConfigTable.size === 1) {
      if (changed) this.#version++;
      return null;
    }
    const oldAddr = addrs.get(brokerId);
    addrs.set(brokerId, brokerAddr);
    registerFirst ||= oldAddr === undefined || oldAddr === "";
    changed ||= oldAddr !== brokerAddr;
    // 5.x (header enableActingMaster sent): with no master, the lowest slave's topics route.
    const primeSlave = reg.enableActingMaster !== undefined && brokerId !== MASTER_ID &&
      brokerId === Math.min(...addrs.keys());
    if (brokerId === MASTER_ID || primeSlave) {
      const readOnly = primeSlave && brokerData.enableActingMaster;
      changed = this.#applyTopics(reg, registerFirst, readOnly) || changed;
    }
    this.#brokerLiveTable.set(liveKey(clusterName, brokerAddr), {
      clusterName,
      brokerAddr,
      lastUpdateTimestamp: this.#options.clock.now(),
      heartbeatTimeoutMillis: reg.heartbeatTimeoutMillis,
      dataVersion: reg.topicConfigWrapper.dataVersion,
      channel: reg.channel,
      haServerAddr: reg.haServerAddr,
    });
    changed = this.#updateFilterServers(liveKey(clusterName, brokerAddr), reg.filterServerList) ||
      changed;
    if (changed) this.#version++;
    return brokerId === MASTER_ID ? {} : this.#masterOf(clusterName, brokerData);
  }

  /** @returns true when the cluster did not list the broker name yet */
  #addToCluster(clusterName: string, brokerName: string): boolean {
    let names = this.#clusterAddrTable.get(clusterName);
    if (names === undefined) {
      names = new Set();
      this.#clusterAddrTable.set(clusterName, names);
    }
    if (names.has(brokerName)) return false;
    names.add(brokerName);
    return true;
  }

  /** Applies the 5.x group flags of a registration; @returns true when they changed */
  #updateGroupFlags(brokerData: BrokerData, reg: BrokerRegistration): boolean {
    const acting = reg.enableActingMaster === true;
    const changed = brokerData.enableActingMaster !== acting ||
      brokerData.zoneName !== reg.zoneName;
    brokerData.enableActingMaster = acting;
    if (reg.zoneName === undefined) delete brokerData.zoneName;
    else brokerData.zoneName = reg.zoneName;
    return changed;
  }

  /** 5.x: another address holds this broker id with a newer state version; ignore the newcomer */
  #isStaleRegistration(reg: BrokerRegistration, addrs: Map<number, string>): boolean {
    const oldAddr = addrs.get(reg.brokerId);
    if (oldAddr === undefined || oldAddr === reg.brokerAddr) return false;
    const old = this.#brokerLiveTable.get(liveKey(reg.clusterName, oldAddr));
    if (old === undefined) return false;
    return (old.dataVersion.stateVersion ?? 0) >
      (reg.topicConfigWrapper.dataVersion.stateVersion ?? 0);
  }

  /**
   * Refuses, before any change, a registration past the broker or topic limit (a master's new
   * topics count; a slave's are not applied). @throws {RouteRegistryFullError} naming the limit
   */
  #checkRoom(reg: BrokerRegistration): void {
    const brokersMax = this.#options.brokersMax ?? BROKERS_MAX;
    if (!this.#brokerAddrTable.has(reg.brokerName) && this.#brokerAddrTable.size >= brokersMax) {
      throw new RouteRegistryFullError(
        `Cannot register broker ${reg.brokerName}: the name server holds ${brokersMax} brokers (BROKERS_MAX)`,
      );
    }
    if (reg.brokerId !== MASTER_ID && reg.enableActingMaster === undefined) return; // no topics
    const topicsMax = this.#options.topicsMax ?? TOPICS_MAX;
    let added = 0;
    for (const topic of reg.topicConfigWrapper.topicConfigTable.keys()) {
      if (!this.#topicQueueTable.has(topic)) added++;
    }
    if (this.#topicQueueTable.size + added > topicsMax) {
      this.updateBrokerInfoUpdateTimestamp(reg.clusterName, reg.brokerAddr); // stays alive
      throw new RouteRegistryFullError(
        `Cannot register broker ${reg.brokerName}: its ${added} new topics would take the name server past ${topicsMax} topics (TOPICS_MAX)`,
      );
    }
  }

  /** Writes a master's (prime slave's) topics to the queue table; @returns true on a change */
  #applyTopics(reg: BrokerRegistration, registerFirst: boolean, readOnly: boolean): boolean {
    const { brokerName } = reg;
    const table = reg.topicConfigWrapper.topicConfigTable;
    let changed = false;
    if (this.#options.deleteTopicWithBrokerRegistration?.()) {
      for (const [topic, queueDataMap] of this.#topicQueueTable) {
        if (table.has(topic) || !queueDataMap.delete(brokerName)) continue;
        changed = true;
        if (queueDataMap.size === 0) this.#topicQueueTable.delete(topic);
      }
    }
    const versionChanged = this.isBrokerTopicConfigChanged(
      reg.clusterName,
      reg.brokerAddr,
      reg.topicConfigWrapper.dataVersion,
    );
    for (const topicConfig of table.values()) {
      const queueDataMap = this.#topicQueueTable.get(topicConfig.topicName);
      if (!registerFirst && !versionChanged && queueDataMap?.has(brokerName)) continue;
      const config = readOnly
        ? { ...topicConfig, perm: topicConfig.perm & ~PERM_WRITE }
        : topicConfig;
      changed = this.#createAndUpdateQueueData(brokerName, config) || changed;
    }
    return changed;
  }

  /** @returns true when the topic's queue data for the broker was added or changed */
  #createAndUpdateQueueData(brokerName: string, topicConfig: TopicConfig): boolean {
    const queueData: QueueData = {
      brokerName,
      readQueueNums: topicConfig.readQueueNums,
      writeQueueNums: topicConfig.writeQueueNums,
      perm: topicConfig.perm,
      topicSysFlag: topicConfig.topicSysFlag,
    };
    let queueDataMap = this.#topicQueueTable.get(topicConfig.topicName);
    if (queueDataMap === undefined) {
      queueDataMap = new Map();
      this.#topicQueueTable.set(topicConfig.topicName, queueDataMap);
    }
    const existing = queueDataMap.get(brokerName);
    if (existing !== undefined && queueDataEquals(existing, queueData)) return false;
    queueDataMap.set(brokerName, queueData);
    return true;
  }

  /** @returns true when the broker's filter server list changed */
  #updateFilterServers(key: string, list: string[] | undefined): boolean {
    if (list === undefined) return false;
    const old = this.#filterServerTable.get(key);
    if (list.length === 0) return this.#filterServerTable.delete(key);
    this.#filterServerTable.set(key, [...list]);
    return old === undefined || old.join("\n") !== list.join("\n");
  }

  /** The master's addresses for a registering slave, when the master is alive. */
  #masterOf(clusterName: string, brokerData: BrokerData): RegisterBrokerResult {
    const masterAddr = brokerData.brokerAddrs.get(MASTER_ID);
    if (masterAddr === undefined) return {};
    const master = this.#brokerLiveTable.get(liveKey(clusterName, masterAddr));
    if (master === undefined) return {};
    return { haServerAddr: master.haServerAddr, masterAddr };
  }

  /**
   * @param clusterName cluster
   * @param brokerAddr broker address
   * @param dataVersion the version the broker holds
   * @returns true when the name server has no or another version for that broker
   */
  isBrokerTopicConfigChanged(
    clusterName: string,
    brokerAddr: string,
    dataVersion: DataVersion,
  ): boolean {
    const prev = this.queryBrokerTopicConfig(clusterName, brokerAddr);
    return prev === undefined || !dataVersionEquals(prev, dataVersion);
  }

  /** @returns the data version last registered by the broker, if it is registered */
  queryBrokerTopicConfig(clusterName: string, brokerAddr: string): DataVersion | undefined {
    return this.#brokerLiveTable.get(liveKey(clusterName, brokerAddr))?.dataVersion;
  }

  /** Marks the broker as alive now (QUERY_DATA_VERSION, BROKER_HEARTBEAT). */
  updateBrokerInfoUpdateTimestamp(clusterName: string, brokerAddr: string): void {
    const live = this.#brokerLiveTable.get(liveKey(clusterName, brokerAddr));
    if (live !== undefined) live.lastUpdateTimestamp = this.#options.clock.now();
  }

  /**
   * Removes a broker (UNREGISTER_BROKER, expiry, closed connection). When its group becomes
   * empty the group leaves its cluster and its queue data leaves every topic; empty topics vanish.
   * A 5.x acting-master group left without its master loses write permission.
   * @param broker which broker
   */
  unregisterBroker(broker: BrokerIdentity): void {
    const key = liveKey(broker.clusterName, broker.brokerAddr);
    let changed = this.#brokerLiveTable.delete(key);
    changed = this.#filterServerTable.delete(key) || changed;
    const brokerData = this.#brokerAddrTable.get(broker.brokerName);
    if (brokerData === undefined) {
      if (changed) this.#version++;
      return;
    }
    for (const [id, addr] of brokerData.brokerAddrs) {
      if (addr === broker.brokerAddr) {
        brokerData.brokerAddrs.delete(id);
        changed = true;
      }
    }
    if (brokerData.brokerAddrs.size === 0) {
      this.#brokerAddrTable.delete(broker.brokerName);
      const names = this.#clusterAddrTable.get(broker.clusterName);
      names?.delete(broker.brokerName);
      if (names?.size === 0) this.#clusterAddrTable.delete(broker.clusterName);
      this.#removeTopicsOf(broker.brokerName);
      changed = true;
    } else if (changed && brokerData.enableActingMaster && !brokerData.brokerAddrs.has(MASTER_ID)) {
      // 5.x cleanTopicByUnRegisterRequests: a group left without its master is not writable.
      this.wipeWritePermOfBroker(broker.brokerName);
    }
    if (changed) this.#version++;
  }

  /** Drops a broker group's queue data from every topic; empty topics vanish. */
  #removeTopicsOf(brokerName: string): void {
    for (const [topic, queueDataMap] of this.#topicQueueTable) {
      queueDataMap.delete(brokerName);
      if (queueDataMap.size === 0) this.#topicQueueTable.delete(topic);
    }
  }

  /**
   * Removes every broker silent for longer than its timeout (RocketMQ scans every 10 s).
   *
   * @returns the removed brokers' live records (their channels are the caller's to close)
   */
  scanNotActiveBroker(): BrokerLiveInfo[] {
    const now = this.#options.clock.now();
    const timeoutMs = this.#options.brokerChannelExpiredTimeMs();
    const expired = [...this.#brokerLiveTable.values()].filter((live) =>
      live.lastUpdateTimestamp + (live.heartbeatTimeoutMillis ?? timeoutMs) < now
    );
    for (const live of expired) this.#removeLive(live);
    return expired;
  }

  /**
   * Removes the broker that registered over a connection that has just closed.
   *
   * @param channel the closed connection (identity)
   * @returns the removed broker's live record, if one used that connection
   */
  onChannelDestroy(channel: unknown): BrokerLiveInfo | undefined {
    if (channel === undefined || channel === null) return undefined;
    for (const live of this.#brokerLiveTable.values()) {
      if (live.channel === channel) {
        this.#removeLive(live);
        return live;
      }
    }
    return undefined;
  }

  /** Unregisters the group member at a live record's address (5.x `setupUnRegisterRequest`). */
  #removeLive(live: BrokerLiveInfo): void {
    for (const brokerData of this.#brokerAddrTable.values()) {
      if (brokerData.cluster !== live.clusterName) continue;
      for (const [brokerId, addr] of brokerData.brokerAddrs) {
        if (addr !== live.brokerAddr) continue;
        this.unregisterBroker({ ...live, brokerName: brokerData.brokerName, brokerId });
        return;
      }
    }
    this.unregisterBroker({ ...live, brokerName: "", brokerId: -1 });
  }

  /**
   * Builds a topic's route: its queue data and the broker groups holding it.
   *
   * @param topic topic name
   * @returns the route, or `undefined` when no live broker group holds the topic
   */
  pickupTopicRouteData(topic: string): TopicRouteData | undefined {
    const queueDataMap = this.#topicQueueTable.get(topic);
    if (queueDataMap === undefined) return undefined;
    const brokerDatas: BrokerData[] = [];
    const filterServerTable = new Map<string, string[]>();
    for (const brokerName of queueDataMap.keys()) {
      const brokerData = this.#brokerAddrTable.get(brokerName);
      if (brokerData === undefined) continue;
      const clone = cloneBrokerData(brokerData);
      brokerDatas.push(clone);
      if (this.#filterServerTable.size === 0) continue;
      for (const addr of clone.brokerAddrs.values()) {
        const list = this.#filterServerTable.get(liveKey(clone.cluster, addr));
        if (list !== undefined) filterServerTable.set(addr, [...list]);
      }
    }
    if (brokerDatas.length === 0) return undefined;
    const queueDatas = [...queueDataMap.values()].map((q) => ({ ...q }));
    return { queueDatas, brokerDatas, filterServerTable };
  }

  /**
   * Records queue data for a topic directly (5.x REGISTER_TOPIC_IN_NAMESRV), for broker groups
   * that are registered. A new topic counts against the topic limit, as a registered one does.
   *
   * @param topic topic name
   * @param queueDatas queue data per broker group
   * @throws {RouteRegistryFullError} when the topic is new and the registry is full
   */
  registerTopic(topic: string, queueDatas: readonly QueueData[]): void {
    const known = queueDatas.filter((q) => this.#brokerAddrTable.has(q.brokerName));
    if (known.length === 0) return;
    let queueDataMap = this.#topicQueueTable.get(topic);
    if (queueDataMap === undefined) {
      const topicsMax = this.#options.topicsMax ?? TOPICS_MAX;
      if (this.#topicQueueTable.size >= topicsMax) {
        throw new RouteRegistryFullError(
          `Cannot register topic ${topic}: the name server holds ${topicsMax} topics (TOPICS_MAX)`,
        );
      }
      queueDataMap = new Map();
      this.#topicQueueTable.set(topic, queueDataMap);
    }
    for (const q of known) queueDataMap.set(q.brokerName, { ...q });
    this.#version++;
  }

  /**
   * Takes write permission away from every topic of a broker group (mqadmin wipeWritePerm).
   * @param brokerName the group
   * @returns how many topics were touched
   */
  wipeWritePermOfBroker(brokerName: string): number {
    return this.#operateWritePerm(brokerName, (perm) => perm & ~PERM_WRITE);
  }

  /**
   * Gives every topic of a broker group read and write permission (mqadmin addWritePerm).
   * @param brokerName the group
   * @returns how many topics were touched
   */
  addWritePermOfBroker(brokerName: string): number {
    return this.#operateWritePerm(brokerName, () => PERM_READ | PERM_WRITE);
  }

  #operateWritePerm(brokerName: string, next: (perm: number) => number): number {
    let count = 0;
    for (const queueDataMap of this.#topicQueueTable.values()) {
      const queueData = queueDataMap.get(brokerName);
      if (queueData === undefined) continue;
      queueData.perm = next(queueData.perm);
      count++;
    }
    if (count > 0) this.#version++;
    return count;
  }

  /**
   * Removes a topic (DELETE_TOPIC_IN_NAMESRV): everywhere, or only from one cluster's groups.
   *
   * @param topic topic name
   * @param clusterName when given and non-empty, only this cluster's broker groups lose it
   */
  deleteTopic(topic: string, clusterName?: string): void {
    if (clusterName === undefined || clusterName === "") {
      if (this.#topicQueueTable.delete(topic)) this.#version++;
      return;
    }
    const queueDataMap = this.#topicQueueTable.get(topic);
    const names = this.#clusterAddrTable.get(clusterName);
    if (queueDataMap === undefined || names === undefined) return;
    for (const brokerName of names) {
      if (queueDataMap.delete(brokerName)) this.#version++;
    }
    if (queueDataMap.size === 0) this.#topicQueueTable.delete(topic);
  }
}
