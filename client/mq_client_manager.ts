/**
 * One {@linkcode MQClientInstance} per client id (RocketMQ `MQClientManager`): producers and
 * consumers with the same client id share routes, connections and heartbeats. Instances are
 * counted; the last release shuts the instance down.
 *
 * @module
 */

import type { ClientConfig } from "./client_config.ts";
import { MQClientInstance } from "./mq_client_instance.ts";

interface Entry {
  readonly instance: MQClientInstance;
  users: number;
}

/**
 * A registry of client instances by client id.
 *
 * @example
 * ```ts
 * import { MQClientManager } from "./mq_client_manager.ts";
 * import { resolveClientConfig } from "./client_config.ts";
 * import { staticClientEnv } from "./client_env.ts";
 * const manager = new MQClientManager();
 * const config = resolveClientConfig(
 *   { namesrvAddr: "127.0.0.1:9876", instanceName: "app", clientIP: "10.0.0.5" },
 *   { env: staticClientEnv({ pid: 1 }) },
 * );
 * const a = manager.acquire(config);
 * const b = manager.acquire(config);
 * if (a !== b) throw new Error("one instance per client id");
 * await manager.release(a);
 * await manager.release(b);
 * ```
 */
export class MQClientManager {
  readonly #entries = new Map<string, Entry>();

  /** the number of live instances */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The instance of the config's client id, created on first use (RocketMQ
   * `getOrCreateMQClientInstance`). Every acquire needs one {@linkcode MQClientManager.release}.
   *
   * @param config resolved client config; the first one of a client id wins
   * @returns the shared instance
   */
  acquire(config: ClientConfig): MQClientInstance {
    const existing = this.#entries.get(config.clientId);
    if (existing !== undefined && existing.instance.state !== "SHUTDOWN_ALREADY") {
      existing.users++;
      return existing.instance;
    }
    const instance = new MQClientInstance(config);
    this.#entries.set(config.clientId, { instance, users: 1 });
    return instance;
  }

  /**
   * Gives an instance back; the last user's release shuts it down.
   *
   * @param instance an instance from {@linkcode MQClientManager.acquire}
   */
  async release(instance: MQClientInstance): Promise<void> {
    const entry = this.#entries.get(instance.clientId);
    if (entry === undefined || entry.instance !== instance) {
      await instance.shutdown();
      return;
    }
    entry.users--;
    if (entry.users > 0) return;
    this.#entries.delete(instance.clientId);
    await instance.shutdown();
  }
}

/**
 * The process-wide registry producers and consumers use unless given another.
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * import { defaultMQClientManager } from "./mq_client_manager.ts";
 * const config = resolveClientConfig({ namesrvAddr: "127.0.0.1:9876", instanceName: "docs" });
 * const instance = defaultMQClientManager.acquire(config); // shared by this client id's clients
 * await defaultMQClientManager.release(instance); // the last release shuts it down
 * ```
 */
export const defaultMQClientManager: MQClientManager = new MQClientManager();
