/**
 * The bounded write side of one connection: encoded frames wait here and leave through the
 * connection's WritableStream, several small ones per write ("corking").
 *
 * Small frames are encoded straight into the queue's staging buffer ({@linkcode OutboundQueue.encode}),
 * one after another, so a batch of them is one view and leaves without a copy. A staging buffer is
 * rewritten only once every frame in it has been written (the transport no longer reads a chunk once
 * its write resolved), so a steady stream of frames allocates nothing: no slab per few dozen frames, no
 * batch buffer per write, and no external-memory pressure that would force V8 into full collections.
 *
 * @module
 */

import { encodeCommand, frameBound, writeFrame } from "./command_codec.ts";
import type { RemotingCommand } from "./remoting_command.ts";

import {
  OUTBOUND_BYTES_HIGH_WATER,
  OUTBOUND_BYTES_LOW_WATER,
  OUTBOUND_BYTES_MAX,
  OUTBOUND_FRAMES_HIGH_WATER,
  STAGED_FRAME_BYTES_MAX,
  WRITE_BATCH_BYTES_MAX,
  WRITE_BATCH_FRAME_BYTES_MAX,
} from "./limits.ts";
import type { Semaphore } from "./_semaphore.ts";

/** Callbacks of {@linkcode OutboundQueue} into its connection. */
export interface OutboundQueueHooks {
  /** a write completed (activity, for idle detection) */
  onWritten(): void;
  /** `saturated` went from true to false: reading and invoking may resume */
  onDrained(): void;
  /** a write failed; the connection must close */
  onWriteError(error: unknown): void;
}

/**
 * Frames queued for one connection. Counts bytes and frames queued plus being written; above the
 * high-water marks it reports `saturated` until it falls to the low-water mark. Past
 * `OUTBOUND_BYTES_MAX` it refuses frames (the owner then closes the connection).
 */
export class OutboundQueue {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #hooks: OutboundQueueHooks;
  #frames: Uint8Array[] = [];
  /** per frame: the oneway semaphore to release once written, or null */
  #releases: (Semaphore | null)[] = [];
  /** per frame: whether it is a response (what the peer's reading governs) */
  #replies: boolean[] = [];
  #head = 0;
  /** index of the first frame of the write in progress (-1 when none) */
  #writeStart = -1;
  #bytes = 0;
  #frameCount = 0;
  #replyBytes = 0;
  #replyFrames = 0;
  #bytesPeak = 0;
  #saturated = false;
  #repliesSaturated = false;
  #writing = false;
  #scheduled = false;
  #closed = false;
  #flushing: Promise<void> = Promise.resolve();
  /** frames pushed / written so far (a staging buffer is free once `#writtenSeq` reaches its last) */
  #pushSeq = 0;
  #writtenSeq = 0;
  /** the staging buffer frames are encoded into, bytes used, seq of its last pushed frame */
  #stage: Uint8Array | null = null;
  #stageUsed = 0;
  #stageLastSeq = 0;
  /** the previous staging buffer, reused once its frames are written */
  #spare: Uint8Array | null = null;
  #spareLastSeq = 0;
  /** reused copy buffer of batches that are not one contiguous view */
  #batchBuffer: Uint8Array | null = null;
  readonly #flushBound = () => {
    this.#scheduled = false;
    if (!this.#writing && !this.#closed) this.#flushing = this.#flush();
  };

  /**
   * @param writable the connection's byte sink (locked by this queue)
   * @param hooks callbacks into the connection
   */
  constructor(writable: WritableStream<Uint8Array>, hooks: OutboundQueueHooks) {
    this.#writer = writable.getWriter();
    this.#hooks = hooks;
  }

  /** @returns bytes queued or being written */
  get bytes(): number {
    return this.#bytes;
  }

  /** @returns frames queued or being written */
  get frames(): number {
    return this.#frameCount;
  }

  /** @returns the most bytes ever queued at once */
  get bytesPeak(): number {
    return this.#bytesPeak;
  }

  /** @returns whether the peer is not keeping up: invocations wait */
  get saturated(): boolean {
    return this.#saturated;
  }

  /**
   * @returns whether responses to the peer's requests pile up (the peer does not read them):
   *   stop reading its requests. This side's own requests do not count, or two peers sending each
   *   other requests in a burst would both stop reading and never drain.
   */
  get repliesSaturated(): boolean {
    return this.#repliesSaturated;
  }

  /** @returns a promise settled when the current write loop (if any) ends */
  get flushed(): Promise<void> {
    return this.#flushing;
  }

  /**
   * Queues one encoded frame. The write starts after the current task, so frames produced together
   * leave in one write.
   *
   * @param frame whole frame bytes
   * @param release semaphore to release once the frame is written (or dropped)
   * @param reply whether the frame is a response to the peer
   * @returns false when closed or over `OUTBOUND_BYTES_MAX` (frame not queued, semaphore not taken)
   */
  push(frame: Uint8Array, release: Semaphore | null = null, reply = false): boolean {
    if (this.#closed || this.#bytes + frame.length > OUTBOUND_BYTES_MAX) return false;
    this.#pushSeq++;
    if (this.#stage !== null && frame.buffer === this.#stage.buffer) {
      this.#stageLastSeq = this.#pushSeq;
    }
    this.#frames.push(frame);
    this.#releases.push(release);
    this.#replies.push(reply);
    this.#bytes += frame.length;
    this.#frameCount++;
    if (this.#bytes > this.#bytesPeak) this.#bytesPeak = this.#bytes;
    if (this.#bytes > OUTBOUND_BYTES_HIGH_WATER || this.#frameCount > OUTBOUND_FRAMES_HIGH_WATER) {
      this.#saturated = true;
    }
    if (reply) {
      this.#replyBytes += frame.length;
      this.#replyFrames++;
      if (
        this.#replyBytes > OUTBOUND_BYTES_HIGH_WATER ||
        this.#replyFrames > OUTBOUND_FRAMES_HIGH_WATER
      ) {
        this.#repliesSaturated = true;
      }
    }
    if (!this.#writing && !this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flushBound);
    }
    return true;
  }

  /**
   * Encodes a command's frame for {@linkcode push}: small frames into the staging buffer (see the
   * module doc), others into their own buffer. Push the frame before encoding the next one.
   *
   * @param command the command
   * @returns the frame
   * @throws {FrameEncodeError} as `encodeCommand`
   */
  encode(command: RemotingCommand): Uint8Array {
    const bound = frameBound(command);
    if (bound > STAGED_FRAME_BYTES_MAX) return encodeCommand(command);
    let stage = this.#stage;
    if (stage !== null && this.#writtenSeq >= this.#stageLastSeq) {
      this.#stageUsed = 0; // every frame in it left: rewind
    }
    if (stage === null || this.#stageUsed + bound > stage.length) stage = this.#nextStage();
    const start = this.#stageUsed;
    const end = writeFrame(command, stage, start);
    this.#stageUsed = end;
    return stage.subarray(start, end);
  }

  /**
   * Makes the spare (when its frames left and it is large enough) or a new buffer the staging
   * buffer. Buffers start at STAGED_FRAME_BYTES_MAX and double each time one fills, up to
   * WRITE_BATCH_BYTES_MAX: a connection that answers now and then keeps a small one.
   */
  #nextStage(): Uint8Array {
    const spare = this.#spare;
    const size = this.#stage === null
      ? STAGED_FRAME_BYTES_MAX
      : Math.min(2 * this.#stage.length, WRITE_BATCH_BYTES_MAX);
    const reuse = spare !== null && this.#writtenSeq >= this.#spareLastSeq && spare.length >= size;
    this.#spare = this.#stage;
    this.#spareLastSeq = this.#stageLastSeq;
    const stage = reuse ? spare : new Uint8Array(size);
    this.#stage = stage;
    this.#stageUsed = 0;
    this.#stageLastSeq = 0;
    return stage;
  }

  /** Drops every queued frame (releasing their semaphores); later pushes are refused. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // The frames of a write in progress never reach #written now: release theirs too.
    const from = this.#writeStart >= 0 ? this.#writeStart : this.#head;
    for (let i = from; i < this.#releases.length; i++) this.#releases[i]?.release();
    this.#writtenSeq = this.#pushSeq; // dropped: no frame holds a staging buffer any more
    this.#frames = [];
    this.#releases = [];
    this.#replies = [];
    this.#head = 0;
    this.#writeStart = -1;
    this.#bytes = 0;
    this.#frameCount = 0;
    this.#replyBytes = 0;
    this.#replyFrames = 0;
    this.#saturated = false;
    this.#repliesSaturated = false;
  }

  async #flush(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#head < this.#frames.length && !this.#closed) {
        const start = this.#head;
        const batch = this.#takeBatch();
        const end = this.#head;
        this.#writeStart = start;
        await this.#writer.write(batch);
        if (this.#closed) return;
        this.#writeStart = -1;
        this.#written(start, end, batch.length);
      }
    } catch (error) {
      if (!this.#closed) this.#hooks.onWriteError(error);
    } finally {
      this.#writing = false;
    }
  }

  /** Accounts for frames [start, end) having left. */
  #written(start: number, end: number, bytes: number): void {
    for (let i = start; i < end; i++) {
      const release = this.#releases[i];
      if (release !== null) release.release();
      if (this.#replies[i]) {
        this.#replyBytes -= this.#frames[i].length;
        this.#replyFrames--;
      }
    }
    this.#bytes -= bytes;
    this.#frameCount -= end - start;
    this.#writtenSeq += end - start;
    if (this.#head === this.#frames.length) {
      this.#frames = [];
      this.#releases = [];
      this.#replies = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#releases = this.#releases.slice(this.#head);
      this.#replies = this.#replies.slice(this.#head);
      this.#head = 0;
    }
    this.#hooks.onWritten();
    let drained = false;
    if (
      this.#saturated && this.#bytes <= OUTBOUND_BYTES_LOW_WATER &&
      this.#frameCount <= OUTBOUND_FRAMES_HIGH_WATER / 4
    ) {
      this.#saturated = false;
      drained = true;
    }
    if (
      this.#repliesSaturated && this.#replyBytes <= OUTBOUND_BYTES_LOW_WATER &&
      this.#replyFrames <= OUTBOUND_FRAMES_HIGH_WATER / 4
    ) {
      this.#repliesSaturated = false;
      drained = true;
    }
    if (drained) this.#hooks.onDrained();
  }

  /** Takes the next frame, or several small ones concatenated, advancing the head. */
  #takeBatch(): Uint8Array {
    const frames = this.#frames;
    const first = frames[this.#head];
    let end = this.#head + 1;
    if (first.length >= WRITE_BATCH_FRAME_BYTES_MAX) {
      this.#head = end;
      return first;
    }
    let total = first.length;
    while (end < frames.length) {
      const size = frames[end].length;
      if (size >= WRITE_BATCH_FRAME_BYTES_MAX || total + size > WRITE_BATCH_BYTES_MAX) break;
      total += size;
      end++;
    }
    const head = this.#head;
    this.#head = end;
    if (end === head + 1) return first;
    // Frames encoded one after another into one staging buffer leave as one view.
    let contiguous = true;
    for (let i = head + 1; i < end && contiguous; i++) {
      const previous = frames[i - 1];
      contiguous = frames[i].buffer === first.buffer &&
        frames[i].byteOffset === previous.byteOffset + previous.length;
    }
    if (contiguous) return new Uint8Array(first.buffer, first.byteOffset, total);
    // The previous batch was written (one write at a time), so its buffer is free again.
    if (this.#batchBuffer === null || this.#batchBuffer.length < total) {
      // Grown by doubling (from one staged frame's bound), never past WRITE_BATCH_BYTES_MAX.
      let size = this.#batchBuffer?.length ?? STAGED_FRAME_BYTES_MAX;
      while (size < total) size *= 2;
      this.#batchBuffer = new Uint8Array(Math.min(size, WRITE_BATCH_BYTES_MAX));
    }
    const batch = this.#batchBuffer.subarray(0, total);
    let offset = 0;
    for (let i = head; i < end; i++) {
      batch.set(frames[i], offset);
      offset += frames[i].length;
    }
    return batch;
  }
}
