/**
 * A consistent-hash ring (RocketMQ `ConsistentHashRouter`): each physical node is placed on the
 * ring as virtual nodes keyed `<key>-<replica>`, and a key routes to the first virtual node whose
 * hash is at or after its own, wrapping to the first. The default hash is RocketMQ's `MD5Hash`:
 * the first 4 bytes of MD5 over UTF-8, as an unsigned big-endian integer
 * (`shared/spec/features.md` §8).
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * A physical node of the ring.
 *
 * @example
 * ```ts
 * import { ConsistentHashRouter, type HashNode } from "./consistent_hash_router.ts";
 * interface ClientNode extends HashNode {
 *   readonly addr: string;
 * }
 * const router = new ConsistentHashRouter<ClientNode>([{ key: "c1", addr: "10.0.0.5" }], 10);
 * if (router.routeNode("any key")?.addr !== "10.0.0.5") throw new Error("one node owns all");
 * ```
 */
export interface HashNode {
  /** the node's identity, e.g. a client id */
  readonly key: string;
}

/**
 * Hashes a key to a position on the ring (RocketMQ `HashFunction`).
 *
 * @example
 * ```ts
 * import { ConsistentHashRouter, type HashFunction } from "./consistent_hash_router.ts";
 * const javaHash: HashFunction = (key) => {
 *   let hash = 0;
 *   for (let i = 0; i < key.length; i++) hash = (Math.imul(31, hash) + key.charCodeAt(i)) >>> 0;
 *   return hash;
 * };
 * const router = new ConsistentHashRouter([{ key: "c1" }, { key: "c2" }], 10, javaHash);
 * if (router.routeNode("queue-0") === undefined) throw new Error();
 * ```
 */
export type HashFunction = (key: string) => number;

/**
 * RocketMQ's default ring hash: the first 4 bytes of MD5(UTF-8 key), unsigned big-endian.
 *
 * @param key the key
 * @returns a position in [0, 2^32)
 * @example
 * ```ts
 * import { md5Hash } from "./consistent_hash_router.ts";
 * // MD5("x") = 9dd4e461…
 * if (md5Hash("x") !== 0x9dd4e461) throw new Error();
 * ```
 */
export function md5Hash(key: string): number {
  const digest = createHash("md5").update(key, "utf8").digest();
  return digest.readUInt32BE(0);
}

interface RingEntry<T extends HashNode> {
  readonly hash: number;
  readonly node: T;
  readonly virtualKey: string;
}

/**
 * The ring. Placing a virtual node on an occupied position replaces the previous one, as Java's
 * `TreeMap.put` does.
 *
 * @example
 * ```ts
 * import { ConsistentHashRouter } from "./consistent_hash_router.ts";
 * const router = new ConsistentHashRouter([{ key: "c1" }, { key: "c2" }], 10);
 * const owner = router.routeNode("MessageQueue [topic=T, brokerName=b, queueId=0]");
 * if (owner === undefined) throw new Error("a non-empty ring routes every key");
 * ```
 */
export class ConsistentHashRouter<T extends HashNode> {
  /** sorted by hash, hashes unique */
  readonly #ring: RingEntry<T>[] = [];
  readonly #hash: HashFunction;

  /**
   * @param nodes the physical nodes, placed in order
   * @param virtualNodeCount virtual nodes per physical node, ≥ 0
   * @param hash the ring hash; default {@linkcode md5Hash}
   * @throws {RangeError} `illegal virtual node counts :<n>` for a negative count
   */
  constructor(nodes: Iterable<T>, virtualNodeCount: number, hash: HashFunction = md5Hash) {
    this.#hash = hash;
    for (const node of nodes) this.addNode(node, virtualNodeCount);
  }

  /**
   * Places `virtualNodeCount` more virtual nodes of `node`, numbered after those it has.
   *
   * @param node the physical node
   * @param virtualNodeCount how many, ≥ 0
   * @throws {RangeError} `illegal virtual node counts :<n>` for a negative count
   */
  addNode(node: T, virtualNodeCount: number): void {
    if (!(virtualNodeCount >= 0)) {
      throw new RangeError(`illegal virtual node counts :${virtualNodeCount}`);
    }
    const existing = this.existingReplicas(node);
    for (let i = 0; i < virtualNodeCount; i++) {
      const virtualKey = `${node.key}-${i + existing}`;
      this.#put({ hash: this.#hash(virtualKey), node, virtualKey });
    }
  }

  /** @param node a physical node whose virtual nodes leave the ring */
  removeNode(node: T): void {
    for (let i = this.#ring.length - 1; i >= 0; i--) {
      if (this.#ring[i].node.key === node.key) this.#ring.splice(i, 1);
    }
  }

  /**
   * @param objectKey the key to route
   * @returns the node owning the first position at or after the key's hash (wrapping), or
   *   undefined when the ring is empty
   */
  routeNode(objectKey: string): T | undefined {
    if (this.#ring.length === 0) return undefined;
    const index = this.#lowerBound(this.#hash(objectKey));
    return this.#ring[index === this.#ring.length ? 0 : index].node;
  }

  /**
   * @param node a physical node
   * @returns how many of its virtual nodes are on the ring
   */
  existingReplicas(node: T): number {
    let count = 0;
    for (const entry of this.#ring) if (entry.node.key === node.key) count++;
    return count;
  }

  #put(entry: RingEntry<T>): void {
    const index = this.#lowerBound(entry.hash);
    if (index < this.#ring.length && this.#ring[index].hash === entry.hash) {
      this.#ring[index] = entry;
    } else {
      this.#ring.splice(index, 0, entry);
    }
  }

  /** @returns the first index whose hash is ≥ `hash` (ring length when none) */
  #lowerBound(hash: number): number {
    let lo = 0;
    let hi = this.#ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ring[mid].hash < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
