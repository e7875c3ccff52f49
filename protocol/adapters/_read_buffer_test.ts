import assert from "node:assert/strict";
import {
  TCP_READ_BUFFER_BYTES,
  TCP_READ_BUFFER_BYTES_MAX,
  TCP_READ_SHRINK_AFTER_READS,
} from "../limits.ts";
import { nextReadBuffer } from "./_read_buffer.ts";

Deno.test("nextReadBuffer grows on full reads up to the maximum and shrinks after a run of small ones", () => {
  const state = { smallReads: 0 };
  let buffer = new Uint8Array(TCP_READ_BUFFER_BYTES);
  const sizes = [buffer.length];
  for (let i = 0; i < 10; i++) {
    buffer = nextReadBuffer(buffer, buffer.length, state);
    sizes.push(buffer.length);
  }
  assert.equal(Math.max(...sizes), TCP_READ_BUFFER_BYTES_MAX);
  assert.equal(buffer.length, TCP_READ_BUFFER_BYTES_MAX, "stays at the maximum");
  const big = buffer;
  assert.equal(nextReadBuffer(big, big.length / 2, state), big, "a half-full read keeps the size");
  for (let i = 1; i < TCP_READ_SHRINK_AFTER_READS; i++) {
    assert.equal(nextReadBuffer(big, 100, state), big, `small read ${i} keeps the size`);
  }
  assert.equal(
    nextReadBuffer(big, 100, state).length,
    big.length / 2,
    "the run's last read halves",
  );
  const floor = new Uint8Array(TCP_READ_BUFFER_BYTES);
  for (let i = 0; i < 3 * TCP_READ_SHRINK_AFTER_READS; i++) {
    assert.equal(nextReadBuffer(floor, 1, state), floor, "never below the initial size");
  }
});
