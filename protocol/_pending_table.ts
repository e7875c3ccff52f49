/**
 * Invocations of one connection waiting for their responses, keyed by opaque, with one timer for all
 * their deadlines.
 *
 * @module
 */

import type { Clock } from "../common/clock.ts";
import type { RemotingCommand } from "./remoting_command.ts";

/** One invocation waiting for its response. */
export interface PendingInvoke {
  /** correlation id */
  opaque: number;
  /** request code, for messages */
  code: number;
  /** when it times out (clock ms) */
  deadlineMs: number;
  /** the timeout asked for, for messages */
  timeoutMs: number;
  /** settles the caller's promise with the response */
  resolve: (response: RemotingCommand) => void;
  /** settles the caller's promise with an error */
  reject: (error: Error) => void;
}

/**
 * Pending invocations and their deadlines. Instead of one timer per request (about 1 µs to set and
 * clear, more with many outstanding), one timer is armed at the earliest deadline known; when it fires,
 * one pass expires what is due and re-arms at the next deadline. Requests with the usual equal
 * timeouts never re-arm it, so the per-request cost is a map insert and delete.
 */
export class PendingTable {
  readonly #clock: Clock;
  readonly #onTimeout: (pending: PendingInvoke) => void;
  readonly #map = new Map<number, PendingInvoke>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDeadlineMs = Infinity;
  readonly #fireBound = () => this.#fire();

  /**
   * @param clock time source for deadlines
   * @param onTimeout called for each expired entry, already removed; it may drain the table
   */
  constructor(clock: Clock, onTimeout: (pending: PendingInvoke) => void) {
    this.#clock = clock;
    this.#onTimeout = onTimeout;
  }

  /** @returns entries waiting */
  get size(): number {
    return this.#map.size;
  }

  /**
   * @param opaque correlation id
   * @returns whether an entry with this opaque waits
   */
  has(opaque: number): boolean {
    return this.#map.has(opaque);
  }

  /** @param pending a new entry (its opaque must not be waiting already) */
  add(pending: PendingInvoke): void {
    this.#map.set(pending.opaque, pending);
    if (pending.deadlineMs < this.#timerDeadlineMs) this.#arm(pending.deadlineMs);
  }

  /**
   * Removes and returns the entry for a response.
   *
   * @param opaque the response's opaque
   * @returns the entry, or undefined when none waits (late or unknown response)
   */
  take(opaque: number): PendingInvoke | undefined {
    const pending = this.#map.get(opaque);
    if (pending !== undefined) this.#map.delete(opaque);
    return pending;
  }

  /**
   * Removes every entry and stops the timer.
   *
   * @returns the removed entries, to be failed by the caller
   */
  drain(): PendingInvoke[] {
    const all = [...this.#map.values()];
    this.#map.clear();
    this.#disarm();
    return all;
  }

  #arm(deadlineMs: number): void {
    this.#disarm();
    this.#timerDeadlineMs = deadlineMs;
    this.#timer = setTimeout(this.#fireBound, Math.max(1, deadlineMs - this.#clock.now()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDeadlineMs = Infinity;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerDeadlineMs = Infinity;
    const now = this.#clock.now();
    let next = Infinity;
    let expired: PendingInvoke[] | undefined;
    for (const pending of this.#map.values()) {
      if (pending.deadlineMs <= now) (expired ??= []).push(pending);
      else if (pending.deadlineMs < next) next = pending.deadlineMs;
    }
    if (expired !== undefined) {
      for (const pending of expired) {
        // onTimeout may close the connection, which drains (and fails) the rest.
        if (!this.#map.delete(pending.opaque)) continue;
        this.#onTimeout(pending);
      }
    }
    if (this.#map.size > 0 && next !== Infinity && next < this.#timerDeadlineMs) this.#arm(next);
  }
}
