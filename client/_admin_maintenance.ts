/**
 * The broker-maintenance half of the admin client: producer tables, one group's subscription
 * config, one stats item's minute, hour and day windows, and the manual cleanups (expired consume
 * queues, unused topics, expired commit-log files). Internal; the public class is `AdminClient` (`admin_client.ts`), which extends it.
 *
 * @module
 */

import { z } from "zod";
import { ownRecord } from "./_own_record.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { AdminClientBase } from "./_admin_client_base.ts";
import type { SubscriptionGroupConfig } from "./admin_bodies.ts";
import { decodeJsonBody } from "./topic_route.ts";

/**
 * RocketMQ `ProducerInfo`: one producer connection on a broker (GET_ALL_PRODUCER_INFO).
 *
 * @example
 * ```ts
 * import type { AdminClient, ProducerInfo } from "./mod.ts";
 * async function javaProducers(admin: AdminClient, brokerAddr: string): Promise<ProducerInfo[]> {
 *   const table = await admin.getAllProducerInfo(brokerAddr); // producers by group
 *   return [...table.values()].flat().filter((p) => p.language === "JAVA");
 * }
 * ```
 */
export interface ProducerInfo {
  /** the client id of its heartbeat */
  clientId: string;
  /** the connection's peer as the broker prints it (RocketMQ: `/ip:port`) */
  remoteIP: string;
  /** language name, e.g. `JAVA` */
  language: string;
  /** MQVersion ordinal */
  version: number;
  /** ms since the epoch of its last heartbeat */
  lastUpdateTimestamp: number;
}

/**
 * RocketMQ `BrokerStatsItem`: one window of a stats item.
 *
 * @example
 * ```ts
 * import type { BrokerStatsItem } from "./mod.ts";
 * const lastMinute: BrokerStatsItem = { sum: 30, tps: 0.5, avgpt: 10 }; // 3 puts of 10 messages
 * if (lastMinute.sum / lastMinute.avgpt !== 3) throw new Error("sum / avgpt is the call count");
 * ```
 */
export interface BrokerStatsItem {
  /** the value's growth over the window (messages, bytes) */
  sum: number;
  /** the growth per second */
  tps: number;
  /** the growth per counted call (per put or per pull) */
  avgpt: number;
}

/**
 * RocketMQ `BrokerStatsData`: a stats item's last minute, hour and day (VIEW_BROKER_STATS_DATA).
 *
 * @example
 * ```ts
 * import type { AdminClient, BrokerStatsData } from "./mod.ts";
 * async function inTps(admin: AdminClient, brokerAddr: string, topic: string): Promise<number> {
 *   const data: BrokerStatsData = await admin.viewBrokerStatsData(brokerAddr, "TOPIC_PUT_NUMS", topic);
 *   return data.statsMinute.tps;
 * }
 * ```
 */
export interface BrokerStatsData {
  /** the last minute */
  statsMinute: BrokerStatsItem;
  /** the last hour */
  statsHour: BrokerStatsItem;
  /** the last day */
  statsDay: BrokerStatsItem;
}

const int = z.number().int();

const statsItemSchema = z.object({
  sum: int.default(0),
  tps: z.number().default(0),
  avgpt: z.number().default(0),
});
const zeroItem: BrokerStatsItem = { sum: 0, tps: 0, avgpt: 0 };
const brokerStatsDataSchema = z.object({
  statsMinute: statsItemSchema.nullish().transform((v) => v ?? { ...zeroItem }),
  statsHour: statsItemSchema.nullish().transform((v) => v ?? { ...zeroItem }),
  statsDay: statsItemSchema.nullish().transform((v) => v ?? { ...zeroItem }),
});

const producerTableSchema = z.object({
  data: z.record(
    z.string(),
    z.array(z.object({
      clientId: z.string(),
      remoteIP: z.string(),
      language: z.string(),
      version: int,
      lastUpdateTimestamp: int,
    })).nullish(),
  ).nullish(),
});

/** The 4.9.8 SubscriptionGroupConfig fields, with RocketMQ's defaults for absent ones. */
const groupConfigSchema = z.object({
  groupName: z.string(),
  consumeEnable: z.boolean().default(true),
  consumeFromMinEnable: z.boolean().default(true),
  consumeBroadcastEnable: z.boolean().default(true),
  retryQueueNums: int.default(1),
  retryMaxTimes: int.default(16),
  brokerId: int.default(0),
  whichBrokerWhenConsumeSlowly: int.default(1),
  notifyConsumerIdsChangedEnable: z.boolean().default(true),
});

const groupWrapperSchema = z.object({
  subscriptionGroupTable: ownRecord(groupConfigSchema).nullish(),
});

/**
 * The broker-maintenance commands of {@linkcode AdminClient}. Internal: use `AdminClient`.
 */
export class AdminClientMaintenance extends AdminClientBase {
  /**
   * Every producer connected to a broker, by group (RocketMQ `getAllProducerInfo`,
   * GET_ALL_PRODUCER_INFO).
   *
   * @param brokerAddr the broker
   * @returns each group's producers (a group may list none)
   */
  async getAllProducerInfo(brokerAddr: string): Promise<Map<string, ProducerInfo[]>> {
    const request = this.api.request(RequestCode.GET_ALL_PRODUCER_INFO);
    const response = await this.api.invokeBroker(brokerAddr, request, this.timeoutMs);
    const table = decodeJsonBody("ProducerTableInfo", producerTableSchema, response.body);
    return new Map(Object.entries(table.data ?? {}).map(([group, list]) => [group, list ?? []]));
  }

  /**
   * One subscription group's config on a broker (RocketMQ `examineSubscriptionGroupConfig`: the
   * group's entry of GET_ALL_SUBSCRIPTIONGROUP_CONFIG).
   *
   * @param brokerAddr the broker
   * @param groupName the group
   * @returns its config with RocketMQ's defaults filled in, or undefined when the broker has none
   */
  async examineSubscriptionGroupConfig(
    brokerAddr: string,
    groupName: string,
  ): Promise<Required<SubscriptionGroupConfig> | undefined> {
    const request = this.api.request(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
    const response = await this.api.invokeBroker(brokerAddr, request, this.timeoutMs);
    const wrapper = decodeJsonBody("SubscriptionGroupWrapper", groupWrapperSchema, response.body);
    const table = wrapper.subscriptionGroupTable ?? {};
    return Object.hasOwn(table, groupName) ? table[groupName] : undefined;
  }

  /**
   * One stats item of a broker (RocketMQ `viewBrokerStatsData`, VIEW_BROKER_STATS_DATA):
   * `TOPIC_PUT_NUMS` / `TOPIC_PUT_SIZE` with a topic, `GROUP_GET_NUMS` / `GROUP_GET_SIZE` with
   * `topic@group`, `BROKER_PUT_NUMS` / `BROKER_GET_NUMS` with the cluster name.
   *
   * @param brokerAddr the broker
   * @param statsName the stats name
   * @param statsKey the key
   * @returns its last minute, hour and day
   * @throws {MQBrokerError} SYSTEM_ERROR `The stats <name> <key> not exist` when the broker has
   *   no such item (no traffic under the key since it started)
   */
  async viewBrokerStatsData(
    brokerAddr: string,
    statsName: string,
    statsKey: string,
  ): Promise<BrokerStatsData> {
    const request = this.api.request(RequestCode.VIEW_BROKER_STATS_DATA, { statsName, statsKey });
    const response = await this.api.invokeBroker(brokerAddr, request, this.timeoutMs);
    return decodeJsonBody("BrokerStatsData", brokerStatsDataSchema, response.body);
  }

  /**
   * Asks a broker to delete its consume queues whose messages have all expired (RocketMQ
   * `cleanExpiredConsumeQueue`, CLEAN_EXPIRED_CONSUMEQUEUE).
   *
   * @param brokerAddr the broker
   * @throws {MQBrokerError} when the broker refuses
   */
  async cleanExpiredConsumeQueue(brokerAddr: string): Promise<void> {
    const request = this.api.request(RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE);
    await this.api.invokeBroker(brokerAddr, request, this.timeoutMs);
  }

  /**
   * Asks a broker to delete the consume queues of topics it has no config for (RocketMQ
   * `cleanUnusedTopicByAddr`, CLEAN_UNUSED_TOPIC).
   *
   * @param brokerAddr the broker
   * @throws {MQBrokerError} when the broker refuses
   */
  async cleanUnusedTopic(brokerAddr: string): Promise<void> {
    const request = this.api.request(RequestCode.CLEAN_UNUSED_TOPIC);
    await this.api.invokeBroker(brokerAddr, request, this.timeoutMs);
  }

  /**
   * Asks a broker to delete its expired commit-log files now, whatever the hour (RocketMQ
   * `deleteExpiredCommitLog`, DELETE_EXPIRED_COMMITLOG).
   *
   * @param brokerAddr the broker
   * @throws {MQBrokerError} when the broker refuses
   */
  async deleteExpiredCommitLog(brokerAddr: string): Promise<void> {
    const request = this.api.request(RequestCode.DELETE_EXPIRED_COMMITLOG);
    await this.api.invokeBroker(brokerAddr, request, this.timeoutMs);
  }
}
