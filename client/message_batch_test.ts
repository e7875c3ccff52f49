/**
 * `decodeMessageBatch` on packed batches that are not well formed: it must throw its RangeError,
 * never loop. Before (found by helper-163), an entry with TOTALSIZE 0 and a BODYLENGTH of -22
 * made the properties length be read from the previous entry and the loop advance by 0 bytes,
 * pushing empty entries until the process ran out of memory. The decoder runs in a child
 * process, which the test kills if it prints nothing in time.
 */

import assert from "node:assert/strict";
import { runChildUntil } from "../store/_test_child.ts";
import { decodeMessageBatch } from "./message_batch.ts";

const CHILD = new URL("./testdata/decode_batch_child.ts", import.meta.url);

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One well-formed entry (body "a", no properties), then `tail` bytes set by `write`. */
function entryThen(tail: number, write: (view: DataView, at: number) => void): Uint8Array {
  const bytes = new Uint8Array(23 + tail);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, 23);
  view.setInt32(16, 1);
  bytes[20] = 0x61;
  write(view, 23);
  return bytes;
}

const CASES: Record<string, Uint8Array> = {
  "TOTALSIZE 0 and BODYLENGTH -22": entryThen(20, (view, at) => {
    view.setInt32(at + 16, -22); // properties length read back at byte 21: 0; 22 - 22 + 0 = 0
  }),
  "a negative BODYLENGTH": entryThen(22, (view, at) => {
    view.setInt32(at, 17); // 22 - 4 + the properties length read at `at + 16`: -1
    view.setInt32(at + 16, -4);
  }),
  "a negative PROPERTIESLENGTH": entryThen(22, (view, at) => {
    view.setInt32(at, 21);
    view.setInt16(at + 20, -1);
  }),
  "a header cut short": entryThen(21, (view, at) => view.setInt32(at, 22)),
};

for (const [name, bytes] of Object.entries(CASES)) {
  Deno.test(`decodeMessageBatch throws RangeError on ${name}, without looping`, async () => {
    const lines: string[] = [];
    const run = await runChildUntil(
      CHILD,
      [hexOf(bytes)],
      (line) => {
        lines.push(line);
        return true;
      },
      10_000,
      ["--v8-flags=--max-old-space-size=128"],
    );
    assert.equal(lines.length, 1, `${JSON.stringify(lines)} ${run.stderr}`);
    assert.match(lines[0], /^threw RangeError: Cannot decode batch entry at 23/);
  });
}

Deno.test("decodeMessageBatch still reads well-formed entries back to back", () => {
  const two = new Uint8Array(46);
  two.set(entryThen(0, () => {}));
  two.set(entryThen(0, () => {}), 23);
  const entries = decodeMessageBatch(two);
  assert.deepEqual(entries.map((e) => [e.flag, e.body.length, e.properties]), [
    [0, 1, ""],
    [0, 1, ""],
  ]);
});
