/**
 * The adaptive size of a connection's read buffer (see `TCP_READ_BUFFER_BYTES`); internal to the
 * transport adapters.
 *
 * @module
 */

import {
  TCP_READ_BUFFER_BYTES,
  TCP_READ_BUFFER_BYTES_MAX,
  TCP_READ_SHRINK_AFTER_READS,
} from "../limits.ts";

/**
 * The read buffer after a read of `n` bytes into `buffer` (see `TCP_READ_BUFFER_BYTES`): doubled
 * when the read filled it, halved after a run of small reads, else the same.
 *
 * @param buffer the buffer just read into
 * @param n bytes read
 * @param state the run of small reads so far, updated
 * @returns the buffer for the next read
 */
export function nextReadBuffer(
  buffer: Uint8Array<ArrayBuffer>,
  n: number,
  state: { smallReads: number },
): Uint8Array<ArrayBuffer> {
  const size = buffer.length;
  if (n === size) {
    state.smallReads = 0;
    return size < TCP_READ_BUFFER_BYTES_MAX ? new Uint8Array(size * 2) : buffer;
  }
  if (n > size / 4 || size <= TCP_READ_BUFFER_BYTES) {
    state.smallReads = 0;
    return buffer;
  }
  if (++state.smallReads < TCP_READ_SHRINK_AFTER_READS) return buffer;
  state.smallReads = 0;
  return new Uint8Array(size / 2);
}
