import assert from "node:assert/strict";
import { QUERY_MESSAGE_BYTES_MAX } from "./limits.ts";
import { queryMessage } from "./query_message.ts";

/** The index answers newest first; records are read from a map of offset → bytes. */
function context(records: Map<number, Uint8Array>) {
  return {
    index: {
      queryOffsets: () =>
        Promise.resolve({
          phyOffsets: [...records.keys()].sort((a, b) => b - a),
          indexLastUpdateTimestamp: 7,
          indexLastUpdatePhyoffset: 9,
        }),
    },
    readRecord: (offset: number) => Promise.resolve(records.get(offset) ?? null),
  };
}

const request = { topic: "T", key: "k", maxNum: 32, beginMs: 0, endMs: Number.MAX_SAFE_INTEGER };

Deno.test("queryMessage answers oldest first and stops at QUERY_MESSAGE_BYTES_MAX", async () => {
  const big = Math.floor(QUERY_MESSAGE_BYTES_MAX / 3);
  const records = new Map([0, 1, 2, 3].map((i) => [i * big, new Uint8Array(big).fill(i)]));
  const result = await queryMessage(context(records), request);
  assert.deepEqual(result.messages.map((m) => m[0]), [0, 1, 2], "a fourth would pass the cap");
  assert.equal(result.bufferTotalSize, 3 * big);
  assert.equal(result.indexLastUpdatePhyoffset, 9);
  const huge = new Map([[0, new Uint8Array(QUERY_MESSAGE_BYTES_MAX + 1)]]);
  assert.equal((await queryMessage(context(huge), request)).messages.length, 1, "one always");
});
