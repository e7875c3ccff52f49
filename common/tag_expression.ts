/**
 * RocketMQ's TAG subscription expressions (`TagA || TagB`), split as its `FilterAPI` does, for
 * the broker (a pull's own expression) and the client (its heartbeats): both then hash the very
 * tags a Java client would, so a tag with a non-ASCII space still matches its messages.
 *
 * @module
 */

/**
 * Java's `String.trim`: drops leading and trailing UTF-16 units up to U+0020 (controls and the
 * space), and nothing else. JavaScript's `trim` also drops U+00A0, U+3000, U+FEFF and other
 * Unicode spaces, and keeps U+0001–U+0008.
 *
 * @param text any string
 * @returns it without the units Java's trim drops
 * @example
 * ```ts
 * import { javaTrim } from "./tag_expression.ts";
 * console.assert(javaTrim(" \tTagA\u0001") === "TagA");
 * console.assert(javaTrim("订单\u3000") === "订单\u3000");
 * ```
 */
export function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * Splits a TAG expression as `FilterAPI.buildSubscriptionData`: Java's `split("\\|\\|")`, whose
 * trailing empty parts vanish, then each part trimmed as {@linkcode javaTrim}; empty tags are
 * dropped and a repeated tag is kept once (Java keeps them in a set). `*` and the empty
 * expression (every tag) are the caller's to handle first.
 *
 * @param subString the expression
 * @returns its tags; null when the split has no parts (only `|` pairs: Java throws
 *   "subString split error")
 * @example
 * ```ts
 * import { splitTagExpression } from "./tag_expression.ts";
 * console.assert(splitTagExpression("TagA || TagB || TagA")?.join() === "TagA,TagB");
 * console.assert(splitTagExpression("||") === null);
 * ```
 */
export function splitTagExpression(subString: string): string[] | null {
  const parts = subString.split("||");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 0) return null;
  const tags: string[] = [];
  for (const part of parts) {
    const tag = javaTrim(part);
    if (tag.length > 0 && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}
