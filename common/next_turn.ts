/**
 * Yielding to the event loop from long background work (flushing thousands of pages, say), so
 * requests that arrived meanwhile are served between its steps instead of after all of them.
 *
 * @module
 */

/**
 * Resolves on a later event-loop turn in which the runtime has polled sockets and files
 * (a `setTimeout` of 0; browsers and Deno clamp nested ones to ~4 ms, which suits background
 * work). Neither a microtask (`await` of a resolved promise) nor `setImmediate` does that in
 * Deno: it polls I/O only every ~61 immediates.
 * @returns a promise that resolves on the next turn
 * @example
 * ```ts
 * import { nextTurn } from "./next_turn.ts";
 * for (let page = 0; page < 64; page++) {
 *   if (page % 16 === 15) await nextTurn(); // let sockets be served
 * }
 * ```
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
