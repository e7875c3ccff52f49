/**
 * Slab allocation of outgoing frames. A fresh small Uint8Array costs ~400 ns in V8 (an off-heap
 * backing store each); a view on a shared 64 KiB slab costs ~15 ns. Views are handed out once and the
 * slab region is never rewritten; a full slab is dropped (its frames keep it alive) and a new one made.
 * Frames are therefore views sharing an ArrayBuffer: they must never be transferred (detached).
 *
 * @module
 */

/** Bytes per slab. */
const SLAB_BYTES = 64 * 1024;

/** Frames whose worst-case size exceeds this are written to scratch and copied to their own buffer. */
export const SLAB_FRAME_BYTES_MAX = 16 * 1024;

/** The current slab and how much of it is handed out. Module state, but only ever append-only. */
export const frameSlab = {
  bytes: new Uint8Array(SLAB_BYTES),
  used: 0,
};

/**
 * Makes sure the current slab has `bound` free bytes at `frameSlab.used`.
 *
 * @param bound worst-case bytes the caller will write, at most {@linkcode SLAB_FRAME_BYTES_MAX}
 */
export function reserveSlab(bound: number): void {
  // A detached slab (someone transferred a frame's buffer) has byteLength 0: replace it too.
  if (frameSlab.used + bound > frameSlab.bytes.byteLength) {
    frameSlab.bytes = new Uint8Array(SLAB_BYTES);
    frameSlab.used = 0;
  }
}

/**
 * Hands out the `length` bytes written at `frameSlab.used`.
 *
 * @param length bytes actually written (≤ the reserved bound)
 * @returns a view on the slab
 */
export function takeSlab(length: number): Uint8Array {
  const start = frameSlab.used;
  frameSlab.used = (start + length + 7) & ~7; // keep views 8-byte aligned
  return frameSlab.bytes.subarray(start, start + length);
}

/** Largest scratch buffer kept for reuse; rarer, larger headers get a one-off buffer. */
const SCRATCH_BYTES_KEPT_MAX = 1024 * 1024;

let scratch = new Uint8Array(SLAB_FRAME_BYTES_MAX);

/**
 * @param bound worst-case bytes needed
 * @returns a scratch buffer of at least `bound` bytes (contents are garbage), reused when small
 */
export function scratchBuffer(bound: number): Uint8Array {
  if (bound <= scratch.length) return scratch;
  if (bound > SCRATCH_BYTES_KEPT_MAX) return new Uint8Array(bound);
  scratch = new Uint8Array(bound);
  return scratch;
}
