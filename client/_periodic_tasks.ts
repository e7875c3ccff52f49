/**
 * Stoppable periodic work (RocketMQ's `scheduleAtFixedRate` tasks of `MQClientInstance`): each task
 * runs after a first delay, then `period` ms after the previous run finished, so runs never
 * overlap; a failure is logged and the task keeps its schedule. Internal.
 *
 * @module
 */

import type { RemotingLogger } from "../protocol/remoting_logger.ts";

interface Task {
  readonly period: number;
  readonly run: () => Promise<void>;
  timer: ReturnType<typeof setTimeout> | undefined;
  running: Promise<void> | undefined;
  again: boolean;
}

/** A set of named periodic tasks that stop together. */
export class PeriodicTasks {
  readonly #tasks = new Map<string, Task>();
  readonly #logger: RemotingLogger;
  #stopped = false;

  /** @param logger where task failures are logged */
  constructor(logger: RemotingLogger) {
    this.#logger = logger;
  }

  /**
   * Adds a task.
   *
   * @param name unique name, for logs and {@linkcode PeriodicTasks.trigger}
   * @param firstDelayMs delay before the first run
   * @param periodMs delay between the end of one run and the next
   * @param run the work
   */
  schedule(name: string, firstDelayMs: number, periodMs: number, run: () => Promise<void>): void {
    if (this.#stopped) return;
    const task: Task = {
      period: periodMs,
      run,
      timer: undefined,
      running: undefined,
      again: false,
    };
    this.#tasks.set(name, task);
    this.#arm(name, task, firstDelayMs);
  }

  /**
   * Runs a task now (or right after its current run), then resumes its period.
   *
   * @param name the task
   */
  trigger(name: string): void {
    const task = this.#tasks.get(name);
    if (task === undefined || this.#stopped) return;
    if (task.running !== undefined) {
      task.again = true;
      return;
    }
    this.#arm(name, task, 0);
  }

  /** Stops every task and waits for runs in progress. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const running: Promise<void>[] = [];
    for (const task of this.#tasks.values()) {
      if (task.timer !== undefined) clearTimeout(task.timer);
      task.timer = undefined;
      if (task.running !== undefined) running.push(task.running);
    }
    await Promise.all(running);
  }

  #arm(name: string, task: Task, delayMs: number): void {
    if (task.timer !== undefined) clearTimeout(task.timer);
    task.timer = setTimeout(() => {
      task.timer = undefined;
      task.running = this.#runOnce(name, task);
    }, delayMs);
  }

  async #runOnce(name: string, task: Task): Promise<void> {
    try {
      await task.run();
    } catch (error) {
      this.#logger.warn(
        `Periodic task ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    task.running = undefined;
    if (this.#stopped) return;
    const again = task.again;
    task.again = false;
    this.#arm(name, task, again ? 0 : task.period);
  }
}
