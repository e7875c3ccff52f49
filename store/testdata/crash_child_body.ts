/**
 * The body the crash child writes for append number `index` (shared with the test).
 *
 * @module
 */

/** @returns the body text of append `index` */
export function crashChildBody(index: number): string {
  return `crash-${index}-` + "x".repeat((index * 7919) % 700);
}
