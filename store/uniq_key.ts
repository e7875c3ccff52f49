/**
 * The unique message id, `UNIQ_KEY` (`shared/spec/message-format.md` §6, RocketMQ
 * `MessageClientIDSetter`): client IP (4 or 16 bytes) ‖ pid low 16 bits ‖ a 4-byte per-generator
 * random (Java: the class loader's hash) ‖ int32 ms since 00:00 of the 1st of the current month in
 * the local time zone ‖ int16 counter, as upper-case hex. Admin tools read the time back
 * (`getNearlyTimeFromID`) to bound their lookups, so every producer, the broker's HTTP one too,
 * makes its ids this way.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Clock } from "../common/clock.ts";
import { hex16, hex32, hexBytes, hostAddress, InvalidAddressError } from "./message_id.ts";

/**
 * Options of {@linkcode UniqKeyGenerator}.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { UniqKeyGenerator, type UniqKeyGeneratorOptions } from "./uniq_key.ts";
 * const clock = new ManualClock();
 * const options: UniqKeyGeneratorOptions = { clientIP: "10.0.0.1", pid: 1, clock };
 * const ids = new UniqKeyGenerator(options);
 * if (ids.createUniqID() === ids.createUniqID()) throw new Error("ids are unique");
 * ```
 */
export interface UniqKeyGeneratorOptions {
  /** this client's IP; a host name or bad text falls back to 4 bytes of the time (RocketMQ's fake IP) */
  clientIP: string;
  /** process id; its low 16 bits are used */
  pid: number;
  /** time source */
  clock: Clock;
  /** the 4-byte per-generator value; default random, so two generators never share a prefix */
  seed?: number;
}

/**
 * Generates `UNIQ_KEY` values.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { UniqKeyGenerator } from "./uniq_key.ts";
 * const ids = new UniqKeyGenerator({
 *   clientIP: "192.168.1.20", pid: 0x1234, clock: new ManualClock(), seed: 0xCAFEBABE,
 * });
 * const id = ids.createUniqID();
 * if (id.length !== 32 || !id.startsWith("C0A801141234CAFEBABE")) throw new Error(id);
 * ```
 */
export class UniqKeyGenerator {
  readonly #prefix: string;
  readonly #clock: Clock;
  #counter = 0;
  #monthStartMs = 0;
  #nextMonthStartMs = 0;

  /**
   * Fixes the id prefix (IP, pid, seed) and the current month's start.
   *
   * @param options IP, pid, clock and optional seed
   */
  constructor(options: UniqKeyGeneratorOptions) {
    this.#clock = options.clock;
    let ip: Uint8Array;
    try {
      ip = hostAddress(options.clientIP, 0).address;
    } catch (error) {
      if (!(error instanceof InvalidAddressError)) throw error;
      const now = options.clock.now();
      ip = new Uint8Array([now >>> 24, now >>> 16, now >>> 8, now].map((b) => b & 0xff));
    }
    const seed = options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
    this.#prefix = hexBytes(ip) + hex16(options.pid) + hex32(seed);
    this.#setMonth(this.#clock.now());
  }

  /**
   * Creates the next unique id.
   *
   * @param nowMs the current time when the caller has read it already; default the clock's
   * @returns a fresh unique id (32 hex chars for an IPv4 client, 56 for IPv6)
   */
  createUniqID(nowMs?: number): string {
    const now = nowMs ?? this.#clock.now();
    if (now >= this.#nextMonthStartMs) this.#setMonth(now);
    let diff = (now - this.#monthStartMs) | 0;
    if (diff < 0 && diff > -1_000_000) diff = 0;
    const counter = this.#counter;
    this.#counter = (counter + 1) & 0xffff;
    return this.#prefix + hex32(diff) + hex16(counter);
  }

  #setMonth(nowMs: number): void {
    const date = new Date(nowMs);
    this.#monthStartMs = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
    this.#nextMonthStartMs = new Date(date.getFullYear(), date.getMonth() + 1, 1).getTime();
    assert(this.#monthStartMs <= nowMs, "month start must not be after now");
  }
}
