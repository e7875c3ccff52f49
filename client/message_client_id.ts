/**
 * The client unique message id, `UNIQ_KEY` (`shared/spec/message-format.md` §6, RocketMQ
 * `MessageClientIDSetter`): the store's {@linkcode UniqKeyGenerator} and setting it on a message.
 *
 * @module
 */

import { UniqKeyGenerator, type UniqKeyGeneratorOptions } from "../store/uniq_key.ts";
import { MessageConst } from "./message_const.ts";
import type { Message } from "./message.ts";

/**
 * Options of {@linkcode MessageClientIdGenerator}.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import {
 *   MessageClientIdGenerator,
 *   type MessageClientIdGeneratorOptions,
 * } from "./message_client_id.ts";
 * const clock = new ManualClock();
 * const options: MessageClientIdGeneratorOptions = { clientIP: "10.0.0.1", pid: 1, clock };
 * const ids = new MessageClientIdGenerator(options);
 * if (ids.createUniqID() === ids.createUniqID()) throw new Error("ids are unique");
 * ```
 */
export type MessageClientIdGeneratorOptions = UniqKeyGeneratorOptions;

/**
 * Generates `UNIQ_KEY` values.
 *
 * @example
 * ```ts
 * import { ManualClock } from "../common/clock.ts";
 * import { MessageClientIdGenerator } from "./message_client_id.ts";
 * const ids = new MessageClientIdGenerator({
 *   clientIP: "192.168.1.20", pid: 0x1234, clock: new ManualClock(), seed: 0xCAFEBABE,
 * });
 * const id = ids.createUniqID();
 * if (id.length !== 32 || !id.startsWith("C0A801141234CAFEBABE")) throw new Error(id);
 * ```
 */
export class MessageClientIdGenerator extends UniqKeyGenerator {
  /**
   * Sets `UNIQ_KEY` unless the message has one (RocketMQ `MessageClientIDSetter.setUniqID`), so a
   * re-sent message keeps its id.
   *
   * @param message the message
   * @param nowMs the current time when the caller has read it already; default the clock's
   * @returns the message's unique id
   */
  setUniqID(message: Message, nowMs?: number): string {
    const key = MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX;
    const existing = message.properties.get(key);
    if (existing !== undefined) return existing;
    const id = this.createUniqID(nowMs);
    message.properties.set(key, id);
    return id;
  }
}
