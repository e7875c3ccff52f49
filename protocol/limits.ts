/**
 * Limits of the remoting codec, each with why (`shared/spec/remoting.md` §1, §3).
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Default largest `frameLength` accepted: 16 MiB, Java's `com.rocketmq.remoting.frameMaxLength`
 * default. A batch of 4 MiB messages plus headers fits; a peer cannot make us buffer more.
 */
export const FRAME_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;

/**
 * Ceiling for a configured frameBytesMax: `frameLength` is a signed int32 on the wire and we must be
 * able to hold frameBytesMax + 4 bytes in one Uint8Array.
 */
export const FRAME_BYTES_MAX_CEILING = 0x7fffffff - 4;

/** Smallest `frameLength`: it must at least hold the 4-byte header word. */
export const FRAME_BYTES_MIN = 4;

/**
 * Least buffer of a frame that arrives in parts (it grows, doubling, as bytes come): a peer that
 * announces 16 MiB and sends 4 bytes holds this much, not the frame (Netty's decoder also
 * grows with what arrives).
 */
export const PARTIAL_FRAME_BUFFER_BYTES_MIN = 4096;

/** Bytes of the frame's length prefix (`frameLength` int32). */
export const FRAME_LENGTH_PREFIX_BYTES = 4;

/** Largest header: `headerLength` is the low 24 bits of the header word. */
export const HEADER_BYTES_MAX = 0xffffff;

/** Fixed part of a ROCKETMQ binary header: code 2, language 1, version 2, opaque 4, flag 4, R 4, E 4. */
export const ROCKETMQ_HEADER_FIXED_BYTES = 21;

/** Largest ext field key in a ROCKETMQ header: its length is a signed int16. */
export const EXT_KEY_BYTES_MAX = 0x7fff;

/**
 * Largest string kept by the decoders' short-string cache (ext keys, topics, groups, small numbers
 * repeat on every request); longer strings are decoded afresh so the cache holds little memory.
 */
export const KEY_CACHE_BYTES_MAX = 32;

/** Slots of the short-string cache (direct-mapped): fixed, so a hostile peer can only thrash it. */
export const KEY_CACHE_ENTRIES_MAX = 512;

/**
 * Deepest nesting of objects and arrays accepted in a JSON header. RocketMQ headers nest two deep
 * (the command, then `extFields`); a peer nesting millions deep would hold the one event loop every
 * connection shares for seconds in JSON.parse, so the header is refused before it is parsed.
 */
export const JSON_HEADER_DEPTH_MAX = 64;

/**
 * Most characters of a bad JSON header value quoted in an error (logged, and put in the close
 * reason): a header of up to 16 MiB must not become a log line of that size.
 */
export const JSON_ERROR_VALUE_CHARS_MAX = 64;

assert(FRAME_BYTES_MIN === FRAME_LENGTH_PREFIX_BYTES, "frame must hold its header word");
assert(HEADER_BYTES_MAX < FRAME_BYTES_MAX_DEFAULT, "a maximal header must fit a default frame");
assert(FRAME_BYTES_MAX_DEFAULT <= FRAME_BYTES_MAX_CEILING, "default must be within the ceiling");
assert(ROCKETMQ_HEADER_FIXED_BYTES < HEADER_BYTES_MAX, "fixed header must fit the header length");
assert(EXT_KEY_BYTES_MAX < HEADER_BYTES_MAX, "a key must fit a header");
assert(KEY_CACHE_BYTES_MAX <= EXT_KEY_BYTES_MAX, "cached keys are keys");
assert(JSON_HEADER_DEPTH_MAX >= 2, "a JSON header holds extFields inside the command");
assert(
  (KEY_CACHE_ENTRIES_MAX & (KEY_CACHE_ENTRIES_MAX - 1)) === 0,
  "the key cache is indexed by a hash mask: its size must be a power of two",
);

// ---------------------------------------------------------------------------------------------------
// transport: remoting server and client (owned by the transport helper)
// ---------------------------------------------------------------------------------------------------

/**
 * Bytes asked of the socket per read, at first and at most. One reusable buffer per connection; what
 * was read is copied out at its exact size. A connection starts at 64 KiB (the kernel's loopback
 * segment); a read that fills its buffer doubles it, up to the maximum, and a run of
 * TCP_READ_SHRINK_AFTER_READS reads using at most a quarter of it halves it again. A busy producer
 * connection thus reads ~180 requests of 1 KiB at once, and the broker answers them in one write:
 * a quarter of the syscalls (and wake-ups of the peer) of 64 KiB reads; idle connections keep 64 KiB.
 */
export const TCP_READ_BUFFER_BYTES = 64 * 1024;

/** See {@linkcode TCP_READ_BUFFER_BYTES}. */
export const TCP_READ_BUFFER_BYTES_MAX = 256 * 1024;

/** Consecutive small reads (at most a quarter of the buffer) before the read buffer halves. */
export const TCP_READ_SHRINK_AFTER_READS = 16;

/**
 * Default most requests of one connection being processed at once; the next one is answered
 * SYSTEM_BUSY `[OVERLOAD]`. Parked long-poll pulls count: a Java consumer keeps one pull in flight per
 * assigned queue, and 4096 queues on one broker is far beyond common deployments (topics default to 8
 * queues per broker). RocketMQ itself bounds the same work by thread-pool queues (10 000 sends).
 */
export const REQUESTS_IN_FLIGHT_MAX_PER_CONNECTION_DEFAULT = 4096;

/**
 * Bytes of request frames of one connection being processed at once; above it the connection is not
 * read until some finish (TCP then pushes back on the peer). Four maximal frames.
 */
export const REQUEST_BYTES_IN_FLIGHT_MAX_PER_CONNECTION = 4 * FRAME_BYTES_MAX_DEFAULT;

/**
 * Outbound bytes (queued + being written) of one connection above which it is not read any more and
 * outgoing invocations wait: a peer that stops reading stops being served. Netty's default write
 * high-water mark is 64 KiB; we allow more so a few pull responses (256 KiB each by default) pass.
 */
export const OUTBOUND_BYTES_HIGH_WATER = 4 * 1024 * 1024;

/** Outbound bytes below which a paused connection is read again (hysteresis against flapping). */
export const OUTBOUND_BYTES_LOW_WATER = 1024 * 1024;

/** Outbound frames (queued + being written) above which a connection is paused like the bytes mark. */
export const OUTBOUND_FRAMES_HIGH_WATER = 4096;

/**
 * Hard cap of one connection's outbound bytes. Reading stops at the high-water mark, so only requests
 * already in flight can still add responses; if they push the queue past this cap, the peer is not
 * reading at all and the connection is closed rather than buffering without bound.
 */
export const OUTBOUND_BYTES_MAX = 128 * 1024 * 1024;

/**
 * Most bytes of queued frames concatenated into one socket write ("corking"): several small responses
 * leave in one syscall. Bounded so a copy never grows large.
 */
export const WRITE_BATCH_BYTES_MAX = 256 * 1024;

/** Frames at least this large are written on their own, never copied into a batch. */
export const WRITE_BATCH_FRAME_BYTES_MAX = 64 * 1024;

/**
 * Frames whose worst-case size is at most this are encoded into a connection's staging buffer
 * (two per connection at most, each from this size up to WRITE_BATCH_BYTES_MAX as traffic needs);
 * larger ones get a buffer of their own. A message of a few KiB is staged; an idle connection
 * holds at most a couple of buffers of this size.
 */
export const STAGED_FRAME_BYTES_MAX = 16 * 1024;

/**
 * Most callers waiting for an invocation semaphore of one server or client; beyond it an invocation
 * fails at once with `RemotingTooMuchRequestError` instead of queueing without bound.
 */
export const SEMAPHORE_WAITERS_MAX = 65_536;

/** Most connections one `RemotingServer` holds (each costs a read buffer); extra ones are closed. */
export const SERVER_CONNECTIONS_MAX = 16_384;

/** Most pooled connections of one `RemotingClient` (one per remote address). */
export const CLIENT_CONNECTIONS_MAX = 4096;

/** Longest idle-sweep period: an idle connection is closed at most this late. */
export const IDLE_SWEEP_INTERVAL_MS_MAX = 1000;

/** Shortest idle-sweep period, for sub-second idle times in tests. */
export const IDLE_SWEEP_INTERVAL_MS_MIN = 5;

/** Connections a memory-transport listener queues before refusing, as `serverSocketBacklog` 1024. */
export const MEMORY_LISTEN_BACKLOG = 1024;

/** Bytes one direction of a memory-transport pipe buffers before writes wait, like a socket buffer. */
export const MEMORY_PIPE_BYTES_MAX = 256 * 1024;

/** Pause before accepting again after an accept error (e.g. EMFILE), so it cannot spin. */
export const ACCEPT_RETRY_DELAY_MS = 100;

/** Longest error text put in a SYSTEM_ERROR remark; longer texts are cut. */
export const ERROR_REMARK_CHARS_MAX = 4096;

/** Default graceful-shutdown wait for in-flight requests (RocketMQ 5.x waits up to 30 s). */
export const SHUTDOWN_GRACEFUL_TIMEOUT_MS_DEFAULT = 5000;

/** NettyServerConfig `serverAsyncSemaphoreValue` default: server→client async invocations. */
export const SERVER_ASYNC_SEMAPHORE_VALUE_DEFAULT = 64;

/** NettyServerConfig `serverOnewaySemaphoreValue` default: server→client oneway invocations. */
export const SERVER_ONEWAY_SEMAPHORE_VALUE_DEFAULT = 256;

/** NettyClientConfig `clientAsyncSemaphoreValue` default. */
export const CLIENT_ASYNC_SEMAPHORE_VALUE_DEFAULT = 65_535;

/** NettyClientConfig `clientOnewaySemaphoreValue` default. */
export const CLIENT_ONEWAY_SEMAPHORE_VALUE_DEFAULT = 65_535;

/** `serverChannelMaxIdleTimeSeconds` / client `maxIdleTimeSeconds` default (spec remoting.md §9). */
export const CHANNEL_MAX_IDLE_TIME_SECONDS_DEFAULT = 120;

/**
 * Idle time a remoting server takes for `serverChannelMaxIdleTimeSeconds=0`, which in RocketMQ
 * (Netty's IdleStateHandler) turns idle closing off: ten years, i.e. never.
 */
export const CHANNEL_IDLE_DISABLED_SECONDS = 10 * 365 * 24 * 3600;

/** Default timeout of a oneway invocation when none is given (RocketMQ's usual 3000 ms). */
export const INVOKE_TIMEOUT_MS_DEFAULT = 3000;

/**
 * Largest invocation timeout: the longest delay a timer takes (2³¹−1 ms, about 24.8 days); a
 * longer one would fire at once.
 */
export const INVOKE_TIMEOUT_MS_MAX = 2_147_483_647;

/** Client connect timeout default (spec remoting.md §9). */
export const CONNECT_TIMEOUT_MS_DEFAULT = 3000;

assert(OUTBOUND_BYTES_LOW_WATER < OUTBOUND_BYTES_HIGH_WATER, "low water must be below high water");
assert(
  OUTBOUND_BYTES_MAX >= OUTBOUND_BYTES_HIGH_WATER + FRAME_BYTES_MAX_DEFAULT + 4,
  "a maximal frame must fit above the high-water mark",
);
assert(REQUEST_BYTES_IN_FLIGHT_MAX_PER_CONNECTION > FRAME_BYTES_MAX_DEFAULT, "one frame must fit");
assert(WRITE_BATCH_FRAME_BYTES_MAX <= WRITE_BATCH_BYTES_MAX, "a batched frame must fit a batch");
assert(STAGED_FRAME_BYTES_MAX <= WRITE_BATCH_FRAME_BYTES_MAX, "staged frames are batched frames");
assert(IDLE_SWEEP_INTERVAL_MS_MIN < IDLE_SWEEP_INTERVAL_MS_MAX, "sweep bounds must be ordered");
