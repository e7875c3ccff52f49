/**
 * A bounded table keyed by consumer group and topic (RocketMQ keys such stats items `topic@group`;
 * nested maps spare a key string per call). Past its bound, new pairs share one overflow pair.
 *
 * @module
 */
import assert from "node:assert/strict";

/** Values by group, then topic, with at most `max` pairs besides the overflow pair. */
export class PairTable<V> {
  readonly #byGroup = new Map<string, Map<string, V>>();
  readonly #max: number;
  readonly #overflowKey: string;
  /** pairs held, the overflow pair not counted */
  #size = 0;

  /**
   * @param max most pairs with their own value
   * @param overflowKey the group and topic of the pair past the bound
   */
  constructor(max: number, overflowKey: string) {
    assert(Number.isInteger(max) && max > 0, `PairTable max ${max}`);
    this.#max = max;
    this.#overflowKey = overflowKey;
  }

  /**
   * @param group a consumer group
   * @param topic a topic
   * @returns the pair's value, if held
   */
  get(group: string, topic: string): V | undefined {
    return this.#byGroup.get(group)?.get(topic);
  }

  /**
   * The pair's value, created by `make` when new; past the bound, the overflow pair's.
   *
   * @param group a consumer group
   * @param topic a topic
   * @param make builds a new value (called only when the pair, or the overflow pair, is new)
   * @returns the value counted under
   */
  getOrCreate(group: string, topic: string, make: () => V): V {
    let topics = this.#byGroup.get(group);
    let value = topics?.get(topic);
    if (value !== undefined) return value;
    if (this.#size >= this.#max) {
      group = this.#overflowKey;
      topic = this.#overflowKey;
      topics = this.#byGroup.get(group);
      value = topics?.get(topic);
      if (value !== undefined) return value;
    }
    if (topics === undefined) {
      topics = new Map();
      this.#byGroup.set(group, topics);
    }
    value = make();
    topics.set(topic, value);
    if (group !== this.#overflowKey) this.#size++;
    return value;
  }

  /** @returns every pair held, in insertion order */
  *entries(): Generator<[group: string, topic: string, value: V]> {
    for (const [group, topics] of this.#byGroup) {
      for (const [topic, value] of topics) yield [group, topic, value];
    }
  }

  /**
   * Forgets every pair of a topic.
   *
   * @param topic the deleted topic
   */
  deleteTopic(topic: string): void {
    for (const [group, topics] of this.#byGroup) {
      if (topics.delete(topic) && group !== this.#overflowKey) this.#size--;
      if (topics.size === 0) this.#byGroup.delete(group);
    }
  }

  /**
   * Forgets every pair of a group.
   *
   * @param group the deleted group
   */
  deleteGroup(group: string): void {
    const topics = this.#byGroup.get(group);
    if (topics === undefined) return;
    if (group !== this.#overflowKey) this.#size -= topics.size;
    this.#byGroup.delete(group);
  }
}
