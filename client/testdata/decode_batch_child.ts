/**
 * Child process of `client/message_batch_test.ts`: decodes a packed batch given in hex with
 * `decodeMessageBatch` and prints `decoded <entries>` or `threw <error name>`. A decoder that
 * loops forever never prints, and the test kills it. Usage:
 * `deno run -A decode_batch_child.ts <hex>`.
 *
 * @module
 */

import { decodeMessageBatch } from "../message_batch.ts";

const hex = Deno.args[0];
const bytes = new Uint8Array(hex.length / 2);
for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
try {
  console.log(`decoded ${decodeMessageBatch(bytes).length}`);
} catch (error) {
  if (!(error instanceof Error)) throw error;
  console.log(`threw ${error.name}: ${error.message}`);
}
