/**
 * Encoded GET_ROUTEINFO_BY_TOPIC bodies per topic and JSON style, so a route is encoded once per
 * change instead of once per request. Entries are dropped as a whole when the registry, the KV
 * store (ordered-topic config) or the configuration (`orderMessageEnable`) changes; the cache
 * never holds more entries than the registry has topics.
 *
 * @module
 */
import type { KvConfigManager } from "./kv_config_manager.ts";
import { NAMESPACE_ORDER_TOPIC_CONFIG } from "./kv_config_manager.ts";
import type { NamesrvConfiguration } from "./namesrv_configuration.ts";
import type { RouteInfoManager } from "./route_info_manager.ts";
import { encodeTopicRouteData, type JsonStyle } from "./route_json.ts";
import type { TopicRouteData } from "./route_types.ts";

/** Options of {@linkcode RouteBodyCache}. */
export interface RouteBodyCacheOptions {
  /** the registry */
  routeInfoManager: RouteInfoManager;
  /** the KV store (`ORDER_TOPIC_CONFIG`) */
  kvConfigManager: KvConfigManager;
  /** the configuration (`orderMessageEnable`) */
  configuration: NamesrvConfiguration;
}

interface Entry {
  standard?: Uint8Array;
  legacy?: Uint8Array;
}

const encoder = new TextEncoder();

/** The cache. */
export class RouteBodyCache {
  readonly #options: RouteBodyCacheOptions;
  readonly #entries = new Map<string, Entry>();
  #routeVersion = -1;
  #kvVersion = -1;
  #configVersion = -1;

  /** @param options the sources of a route */
  constructor(options: RouteBodyCacheOptions) {
    this.#options = options;
  }

  /**
   * A topic's route as clients get it, `orderTopicConf` included when `orderMessageEnable`.
   *
   * @param topic topic name
   * @returns the route, or `undefined` when no broker group holds the topic
   */
  route(topic: string): TopicRouteData | undefined {
    const { routeInfoManager, kvConfigManager, configuration } = this.#options;
    const route = routeInfoManager.pickupTopicRouteData(topic);
    if (route === undefined) return undefined;
    if (configuration.config.orderMessageEnable) {
      const conf = kvConfigManager.getKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic);
      if (conf !== undefined) route.orderTopicConf = conf;
    }
    return route;
  }

  /**
   * The encoded route body, from the cache when nothing changed since it was encoded.
   *
   * @param topic topic name
   * @param style JSON style the requester reads
   * @returns the body bytes (shared: do not modify), or `undefined` when the topic has no route
   */
  routeBody(topic: string, style: JsonStyle): Uint8Array | undefined {
    this.#dropIfStale();
    let entry = this.#entries.get(topic);
    const cached = entry?.[style];
    if (cached !== undefined) return cached;
    const route = this.route(topic);
    if (route === undefined) return undefined;
    const body = encoder.encode(encodeTopicRouteData(route, style));
    if (entry === undefined) {
      entry = {};
      this.#entries.set(topic, entry);
    }
    entry[style] = body;
    return body;
  }

  /** Empties the cache when any source changed. */
  #dropIfStale(): void {
    const { routeInfoManager, kvConfigManager, configuration } = this.#options;
    const routeVersion = routeInfoManager.version;
    const kvVersion = kvConfigManager.version;
    const configVersion = configuration.version;
    if (
      routeVersion === this.#routeVersion && kvVersion === this.#kvVersion &&
      configVersion === this.#configVersion
    ) return;
    this.#entries.clear();
    this.#routeVersion = routeVersion;
    this.#kvVersion = kvVersion;
    this.#configVersion = configVersion;
  }
}
