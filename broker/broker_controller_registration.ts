/**
 * When the broker registers with its name servers (features.md §12): at start, every
 * `registerNameServerPeriod` (clamped to [10 s, 60 s] as RocketMQ does), at once after topic
 * changes (the send path awaits that round, so a new topic has a route before its SEND_OK), and
 * UNREGISTER_BROKER at shutdown. One round runs at a time; requests during a round share one more
 * round after it.
 * Failures are logged and retried next period, never thrown.
 *
 * @module
 */

import type { RemotingLogger } from "../protocol/remoting_logger.ts";
import type { BrokerIdentity, BrokerOuterApi, RegisterBrokerResult } from "./broker_outer_api.ts";
import type { TopicConfigSerializeWrapper } from "./topic_config_manager.ts";

/**
 * RocketMQ's first scheduled registration comes this long after start, whatever the period
 * (`scheduleAtFixedRate(…, 10 s, period)`): a broker started before its name server is routed
 * within 10 s, not one period.
 */
const REGISTER_FIRST_DELAY_MS = 10_000;

/** RocketMQ clamps `registerNameServerPeriod` to this range (ms). */
const REGISTER_PERIOD_MIN_MS = 10_000;
const REGISTER_PERIOD_MAX_MS = 60_000;

/** Options of {@linkcode BrokerRegistrationService}. */
export interface BrokerRegistrationServiceOptions {
  /** the calls */
  readonly api: BrokerOuterApi;
  /** the name servers, read at each round (`namesrvAddr` may change) */
  readonly namesrvAddrs: () => readonly string[];
  /** the broker's identity, read at each round */
  readonly identity: () => BrokerIdentity;
  /** the topic table to announce, read at each round */
  readonly topicConfigWrapper: () => TopicConfigSerializeWrapper;
  /** `registerNameServerPeriod` in ms */
  readonly periodMs: number;
  /** wait before the first scheduled round (default REGISTER_FIRST_DELAY_MS; tests shorten it) */
  readonly firstDelayMs?: number;
  /** receives the first successful answer of each round (order topic config) */
  readonly onRegistered?: (result: RegisterBrokerResult) => void;
  /** where rounds and failures are logged */
  readonly logger: RemotingLogger;
}

/** Schedules REGISTER_BROKER rounds; see the module doc. */
export class BrokerRegistrationService {
  readonly #options: BrokerRegistrationServiceOptions;
  #periodTimer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #stopped = false;
  #rounds = 0;
  readonly #roundWaiters: (() => void)[] = [];

  /** @param options API, addresses, identity, table, period and logger */
  constructor(options: BrokerRegistrationServiceOptions) {
    this.#options = options;
  }

  /** completed registration rounds (tests) */
  get rounds(): number {
    return this.#rounds;
  }

  /**
   * Resolves when the next round (or the running one) completes, successful or not.
   *
   * @returns the latch
   */
  nextRound(): Promise<void> {
    return new Promise<void>((resolve) => this.#roundWaiters.push(resolve));
  }

  /**
   * Registers now, again after REGISTER_FIRST_DELAY_MS, then every period.
   *
   * @returns the first round (it never rejects)
   */
  start(): Promise<void> {
    const periodMs = Math.min(
      REGISTER_PERIOD_MAX_MS,
      Math.max(REGISTER_PERIOD_MIN_MS, this.#options.periodMs),
    );
    this.#periodTimer = setTimeout(() => {
      this.#periodTimer = setInterval(() => void this.registerNow(), periodMs);
      void this.registerNow();
    }, this.#options.firstDelayMs ?? REGISTER_FIRST_DELAY_MS);
    return this.registerNow();
  }

  /**
   * Asks for a round after a topic change (RocketMQ registers inline when a send creates a topic).
   * Requests made while a round runs share the one round after it, so a burst of auto-created
   * topics costs at most two rounds.
   *
   * @returns when a round that started after this call is done (it never rejects)
   */
  requestRegister(): Promise<void> {
    return this.registerNow();
  }

  /**
   * Runs a round now, or one more after the running one.
   *
   * @returns when a round that started after this call is done (it never rejects)
   */
  registerNow(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#queued !== undefined) return this.#queued;
    const running = this.#running;
    if (running === undefined) return this.#startRound();
    const queued = running.then(() => {
      this.#queued = undefined;
      return this.#stopped ? undefined : this.#startRound();
    });
    this.#queued = queued;
    return queued;
  }

  #startRound(): Promise<void> {
    const round = this.#round().finally(() => {
      this.#running = undefined;
      for (const wake of this.#roundWaiters.splice(0)) wake();
    });
    this.#running = round;
    return round;
  }

  async #round(): Promise<void> {
    const { api, logger } = this.#options;
    const addresses = this.#options.namesrvAddrs();
    if (addresses.length === 0) return;
    const identity = this.#options.identity();
    try {
      const { results, failures } = await api.registerBrokerAll(
        addresses,
        identity,
        this.#options.topicConfigWrapper(),
      );
      for (const failure of failures) {
        logger.warn(
          `broker: cannot register ${identity.brokerAddr} with ${failure.namesrvAddr}: ${failure.error.message}`,
        );
      }
      // RocketMQ's doRegisterBrokerAll applies the first name server's answer only.
      if (results.length > 0) this.#options.onRegistered?.(results[0]);
      this.#rounds++;
    } catch (error) {
      logger.error(`broker: registration round failed: ${String(error)}`);
    }
  }

  /**
   * Stops the schedule, waits for a running round and unregisters from every name server.
   *
   * @param unregister send UNREGISTER_BROKER (default true)
   */
  async stop(unregister = true): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#periodTimer); // the first delay's timer
    clearInterval(this.#periodTimer);
    this.#periodTimer = undefined;
    await this.#queued;
    await this.#running;
    const addresses = this.#options.namesrvAddrs();
    if (!unregister || addresses.length === 0) return;
    const identity = this.#options.identity();
    const failures = await this.#options.api.unregisterBrokerAll(addresses, identity);
    for (const failure of failures) {
      this.#options.logger.warn(
        `broker: cannot unregister ${identity.brokerAddr} from ${failure.namesrvAddr}: ${failure.error.message}`,
      );
    }
  }
}
