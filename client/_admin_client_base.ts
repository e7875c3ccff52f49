/**
 * The base of the admin client: options, name-server commands (clusters, topic lists and routes,
 * topic deletion, KV config, name server config, write permission) and broker lookup. Internal;
 * the public class is `AdminClient` (`admin_client.ts`).
 *
 * @module
 */

import { RequestCode } from "../protocol/request_code.ts";
import { AdminNamesrv } from "./_admin_namesrv.ts";
import type { TopicList } from "./admin_bodies.ts";
import {
  type ClientConfig,
  type ClientConfigInput,
  type ClientIo,
  resolveClientConfig,
} from "./client_config.ts";
import { MQClientError } from "./client_error.ts";
import { MASTER_ID } from "./message_const.ts";
import { MQClientAPI } from "./mq_client_api.ts";
import type { ClusterInfo, TopicRouteData } from "./topic_route.ts";

/** An admin call's timeout unless `mqClientApiTimeout` is given: RocketMQ `DefaultMQAdminExt`'s. */
const ADMIN_TIMEOUT_MS_DEFAULT = 5000;

/**
 * The name-server half of {@linkcode AdminClient} and what both halves share. Internal: use
 * `AdminClient`.
 */
export class AdminClientBase {
  /** the resolved client options */
  readonly config: ClientConfig;
  /** the remote calls, for commands without a method here */
  readonly api: MQClientAPI;
  readonly #namesrv: AdminNamesrv;
  /** metadata RPC timeout, ms */
  protected readonly timeoutMs: number;

  /**
   * @param options name servers, timeouts and I/O
   * @throws {ClientConfigError} naming each bad option
   */
  constructor(options: ClientConfigInput & ClientIo) {
    const { transport, clock, logger, env, ...data } = options;
    // mqadmin waits 5 s, not a client's 3 s: updateTopic, say, answers after a registration round.
    const timeout = data.mqClientApiTimeout ?? ADMIN_TIMEOUT_MS_DEFAULT;
    this.config = resolveClientConfig({ ...data, mqClientApiTimeout: timeout }, {
      transport,
      clock,
      logger,
      env,
    });
    this.api = new MQClientAPI(this.config);
    this.timeoutMs = this.config.mqClientApiTimeout;
    this.#namesrv = new AdminNamesrv(this.api, this.timeoutMs);
  }

  /** Closes every connection. */
  shutdown(): Promise<void> {
    return this.api.shutdown();
  }

  // ---- name server ----

  /** @returns broker groups by name and broker names by cluster (GET_BROKER_CLUSTER_INFO) */
  clusterInfo(): Promise<ClusterInfo> {
    return this.#namesrv.clusterInfo();
  }

  /** @returns every topic the name servers know (GET_ALL_TOPIC_LIST_FROM_NAMESERVER) */
  topicList(): Promise<TopicList> {
    return this.#namesrv.topicList(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
  }

  /**
   * @param cluster a cluster name
   * @returns the cluster's topics (GET_TOPICS_BY_CLUSTER)
   */
  topicsByCluster(cluster: string): Promise<TopicList> {
    return this.#namesrv.topicList(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster });
  }

  /** @returns system topics (GET_SYSTEM_TOPIC_LIST_FROM_NS) */
  systemTopicList(): Promise<TopicList> {
    return this.#namesrv.topicList(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS);
  }

  /**
   * @param topic a topic
   * @returns its route (GET_ROUTEINFO_BY_TOPIC)
   * @throws {MQClientError} with responseCode 17 when the name server has none
   */
  topicRoute(topic: string): Promise<TopicRouteData> {
    return this.#namesrv.topicRoute(topic);
  }

  /**
   * Deletes a topic from every master of a cluster, then from every name server (RocketMQ
   * `deleteTopic`: DELETE_TOPIC_IN_BROKER, DELETE_TOPIC_IN_NAMESRV).
   *
   * @param topic the topic
   * @param clusterName its cluster
   */
  async deleteTopic(topic: string, clusterName: string): Promise<void> {
    for (const addr of await this.masterAddrsOfCluster(clusterName)) {
      await this.api.invokeBroker(
        addr,
        this.api.request(RequestCode.DELETE_TOPIC_IN_BROKER, { topic }),
        this.timeoutMs,
      );
    }
    await this.#namesrv.deleteTopic(topic, clusterName);
  }

  /**
   * PUT_KV_CONFIG on every name server; one that fails does not stop the others (RocketMQ
   * `putKVConfigValue`).
   *
   * @param namespace e.g. ORDER_TOPIC_CONFIG
   * @param key the key
   * @param value the value
   * @throws the last name server's failure, after trying them all
   */
  putKVConfig(namespace: string, key: string, value: string): Promise<void> {
    return this.#namesrv.putKVConfig(namespace, key, value);
  }

  /**
   * @param namespace the namespace
   * @param key the key
   * @returns the value, or undefined (GET_KV_CONFIG)
   */
  getKVConfig(namespace: string, key: string): Promise<string | undefined> {
    return this.#namesrv.getKVConfig(namespace, key);
  }

  /**
   * DELETE_KV_CONFIG on every name server; one that fails does not stop the others (RocketMQ
   * `deleteKVConfigValue`).
   *
   * @param namespace the namespace
   * @param key the key
   * @throws the last name server's failure, after trying them all
   */
  deleteKVConfig(namespace: string, key: string): Promise<void> {
    return this.#namesrv.deleteKVConfig(namespace, key);
  }

  /**
   * @param namespace the namespace
   * @returns its entries, empty when none (GET_KVLIST_BY_NAMESPACE)
   */
  getKVListByNamespace(namespace: string): Promise<Map<string, string>> {
    return this.#namesrv.kvListByNamespace(namespace);
  }

  /**
   * @param namesrvAddrs which name servers; default all
   * @returns each name server's config (GET_NAMESRV_CONFIG)
   */
  getNamesrvConfig(namesrvAddrs?: readonly string[]): Promise<Map<string, Map<string, string>>> {
    return this.#namesrv.getNamesrvConfig(namesrvAddrs);
  }

  /**
   * UPDATE_NAMESRV_CONFIG.
   *
   * @param properties keys and values to set
   * @param namesrvAddrs which name servers; default all
   * @returns each name server's warnings (unknown, renamed or ignored keys)
   */
  updateNamesrvConfig(
    properties: ReadonlyMap<string, string>,
    namesrvAddrs?: readonly string[],
  ): Promise<Map<string, string[]>> {
    return this.#namesrv.updateNamesrvConfig(properties, namesrvAddrs);
  }

  /**
   * Removes write permission of a broker group's topics (WIPE_WRITE_PERM_OF_BROKER).
   *
   * @param brokerName the broker group
   * @param namesrvAddrs which name servers; default all
   * @returns topics changed per name server
   */
  wipeWritePerm(
    brokerName: string,
    namesrvAddrs?: readonly string[],
  ): Promise<Map<string, number>> {
    return this.#namesrv.writePerm("wipe", brokerName, namesrvAddrs);
  }

  /**
   * Restores write permission (ADD_WRITE_PERM_OF_BROKER).
   *
   * @param brokerName the broker group
   * @param namesrvAddrs which name servers; default all
   * @returns topics changed per name server
   */
  addWritePerm(brokerName: string, namesrvAddrs?: readonly string[]): Promise<Map<string, number>> {
    return this.#namesrv.writePerm("add", brokerName, namesrvAddrs);
  }

  /**
   * @param clusterName a cluster
   * @returns the master address of each of its broker groups
   * @throws {MQClientError} when the cluster is unknown
   */
  async masterAddrsOfCluster(clusterName: string): Promise<string[]> {
    const info = await this.clusterInfo();
    const names = info.clusterAddrTable.get(clusterName);
    if (names === undefined) {
      throw new MQClientError(`Cannot find cluster ${clusterName} in the name servers`);
    }
    const addrs: string[] = [];
    for (const name of names) {
      const addr = info.brokerAddrTable.get(name)?.brokerAddrs.get(MASTER_ID);
      if (addr !== undefined) addrs.push(addr);
    }
    return addrs;
  }

  /**
   * @param route a topic route
   * @returns the master (else any member) of each broker group in it
   */
  protected masters(route: TopicRouteData): string[] {
    return this.masterBrokers(route).map((broker) => broker.addr);
  }

  /**
   * @param route a topic route
   * @returns the master (else any member) of each broker group in it, with the group's name
   */
  protected masterBrokers(route: TopicRouteData): { addr: string; brokerName: string }[] {
    const brokers: { addr: string; brokerName: string }[] = [];
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(MASTER_ID) ?? bd.brokerAddrs.values().next().value;
      if (addr !== undefined) brokers.push({ addr, brokerName: bd.brokerName });
    }
    return brokers;
  }
}
