/**
 * Body compression as RocketMQ producers and consumers apply it (`shared/spec/message-format.md`
 * §3): sysFlag bit 0 says "compressed", bits 8–10 say how (0x100 LZ4, 0x200 ZSTD, 0x300 ZLIB; 0 with
 * bit 0 = zlib from old clients). Zlib is the zlib-wrapped deflate stream of
 * `java.util.zip.Deflater`; ZSTD is a standard zstd frame (zstd-jni's output). LZ4 uses lz4-java's
 * frame format, which this runtime has no codec for: such bodies fail with a clear error.
 *
 * @module
 */

import * as zlib from "node:zlib";
import { DECOMPRESSED_BODY_BYTES_MAX } from "./limits.ts";
import { decompressLz4Frame } from "./lz4.ts";

/**
 * sysFlag bit: the body is compressed.
 *
 * @example
 * ```ts
 * import { COMPRESSED_FLAG, compressionSysFlag } from "./message_compression.ts";
 * const isCompressed = (sysFlag: number) => (sysFlag & COMPRESSED_FLAG) !== 0;
 * if (!isCompressed(compressionSysFlag("ZLIB")) || isCompressed(0)) throw new Error();
 * ```
 */
export const COMPRESSED_FLAG = 0x1;
/**
 * sysFlag mask of the compression type.
 *
 * @example
 * ```ts
 * import { COMPRESSION_TYPE_MASK, COMPRESSION_ZSTD_TYPE } from "./message_compression.ts";
 * const sysFlag = 0x201; // compressed, ZSTD
 * if ((sysFlag & COMPRESSION_TYPE_MASK) !== COMPRESSION_ZSTD_TYPE) throw new Error();
 * ```
 */
export const COMPRESSION_TYPE_MASK = 0x700;
/**
 * sysFlag compression type LZ4 (RocketMQ 5.x `compressType=LZ4`): bodies are LZ4 frames, read by
 * {@linkcode decompressBody}; this client does not write them.
 *
 * @example
 * ```ts
 * import { COMPRESSED_FLAG, COMPRESSION_LZ4_TYPE, decompressBody } from "./message_compression.ts";
 * // `lz4` of "hi": one stored block and a content checksum
 * const frame = new Uint8Array([4, 34, 77, 24, 100, 64, 167, 2, 0, 0, 128, 104, 105, 0, 0, 0, 0,
 *   100, 165, 167, 218]);
 * const body = decompressBody(frame, COMPRESSED_FLAG | COMPRESSION_LZ4_TYPE);
 * if (new TextDecoder().decode(body) !== "hi") throw new Error();
 * ```
 */
export const COMPRESSION_LZ4_TYPE = 0x100;
/**
 * sysFlag compression type ZSTD.
 *
 * @example
 * ```ts
 * import { COMPRESSION_ZSTD_TYPE, compressionSysFlag } from "./message_compression.ts";
 * if (compressionSysFlag("ZSTD") !== (COMPRESSION_ZSTD_TYPE | 1)) throw new Error("0x201");
 * ```
 */
export const COMPRESSION_ZSTD_TYPE = 0x200;
/**
 * sysFlag compression type ZLIB.
 *
 * @example
 * ```ts
 * import {
 *   COMPRESSED_FLAG,
 *   COMPRESSION_ZLIB_TYPE,
 *   compressBody,
 *   decompressBody,
 * } from "./message_compression.ts";
 * const packed = compressBody(new TextEncoder().encode("x".repeat(100)), "ZLIB", 5);
 * const sysFlag = COMPRESSED_FLAG | COMPRESSION_ZLIB_TYPE;
 * if (decompressBody(packed, sysFlag).length !== 100) throw new Error();
 * ```
 */
export const COMPRESSION_ZLIB_TYPE = 0x300;

/**
 * RocketMQ `CompressionType` names.
 *
 * @example
 * ```ts
 * import * as compression from "./message_compression.ts";
 * const type: compression.CompressionType = "ZLIB";
 * const packed = compression.compressBody(new TextEncoder().encode("x".repeat(100)), type, 5);
 * const sysFlag = compression.compressionSysFlag(type);
 * if (compression.decompressBody(packed, sysFlag).length !== 100) throw new Error();
 * ```
 */
export type CompressionType = "ZLIB" | "ZSTD" | "LZ4";

/**
 * Default level (`rocketmq.message.compressLevel`, 5 for zlib).
 *
 * @example
 * ```ts
 * import { COMPRESS_LEVEL_DEFAULT, compressBody } from "./message_compression.ts";
 * const body = new TextEncoder().encode("x".repeat(5000));
 * const packed = compressBody(body, "ZLIB", COMPRESS_LEVEL_DEFAULT);
 * if (packed.length >= body.length) throw new Error("a repetitive body shrinks");
 * ```
 */
export const COMPRESS_LEVEL_DEFAULT = 5;

/**
 * A body that cannot be compressed or decompressed.
 *
 * @example
 * ```ts
 * import { decompressBody, MessageCompressionError } from "./message_compression.ts";
 * try {
 *   decompressBody(new TextEncoder().encode("not zlib"), 0x301);
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof MessageCompressionError)) throw error;
 * }
 * ```
 */
export class MessageCompressionError extends Error {
  /**
   * Creates the error.
   *
   * @param message what failed
   * @param options the underlying error
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MessageCompressionError";
  }
}

/** A plain Uint8Array view of a Node Buffer, so callers never see Buffer. */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

type ZstdZlib = {
  zstdCompressSync?: (data: Uint8Array, options?: unknown) => Uint8Array;
  zstdDecompressSync?: (data: Uint8Array, options?: { maxOutputLength?: number }) => Uint8Array;
};
const zstd = zlib as unknown as ZstdZlib;

/**
 * The sysFlag bits for a compression type (`CompressionType.getCompressionFlag`).
 *
 * @param type the compression type
 * @returns COMPRESSED_FLAG plus the type bits, e.g. 0x301 for ZLIB
 * @example
 * ```ts
 * import { compressionSysFlag } from "./message_compression.ts";
 * if (compressionSysFlag("ZLIB") !== 0x301) throw new Error("compressed (0x1), type ZLIB (0x300)");
 * ```
 */
export function compressionSysFlag(type: CompressionType): number {
  const bits = type === "ZLIB"
    ? COMPRESSION_ZLIB_TYPE
    : type === "ZSTD"
    ? COMPRESSION_ZSTD_TYPE
    : COMPRESSION_LZ4_TYPE;
  return COMPRESSED_FLAG | bits;
}

/**
 * Compresses a body as a RocketMQ producer does.
 *
 * @param body the raw body
 * @param type ZLIB (the RocketMQ default) or ZSTD
 * @param level compression level (zlib 0–9; zstd 1–22)
 * @returns the compressed bytes
 * @throws {MessageCompressionError} for LZ4, or ZSTD on a runtime without zstd
 * @example
 * ```ts
 * import { compressBody, decompressBody } from "./message_compression.ts";
 * const body = new TextEncoder().encode("x".repeat(5000));
 * const packed = compressBody(body, "ZLIB", 5);
 * if (decompressBody(packed, 0x301).length !== 5000) throw new Error();
 * ```
 */
export function compressBody(body: Uint8Array, type: CompressionType, level: number): Uint8Array {
  if (type === "ZLIB") return plain(zlib.deflateSync(body, { level }));
  if (type === "ZSTD" && zstd.zstdCompressSync !== undefined) {
    const params = { [zlib.constants.ZSTD_c_compressionLevel ?? 100]: level };
    return plain(zstd.zstdCompressSync(body, { params }));
  }
  throw new MessageCompressionError(
    `Cannot compress message body with ${type}: not supported by this runtime`,
  );
}

/**
 * Decompresses a body according to its record's sysFlag; bodies without the COMPRESSED bit are
 * returned as they are.
 *
 * @param body the stored body
 * @param sysFlag the record's sysFlag
 * @returns the raw body
 * @throws {MessageCompressionError} when the type is unknown (or ZSTD without a codec in this
 *   runtime), or the bytes are not a valid stream of their type
 *
 * @example
 * ```ts
 * import { compressBody, decompressBody } from "./message_compression.ts";
 * const body = new TextEncoder().encode("hello ".repeat(1000));
 * const stored = compressBody(body, "ZLIB", 5);
 * if (decompressBody(stored, 0x301).length !== body.length) throw new Error();
 * if (decompressBody(body, 0) !== body) throw new Error("no COMPRESSED bit: returned as it is");
 * ```
 */
export function decompressBody(body: Uint8Array, sysFlag: number): Uint8Array {
  if ((sysFlag & COMPRESSED_FLAG) === 0) return body;
  const type = sysFlag & COMPRESSION_TYPE_MASK;
  try {
    if (type === 0 || type === COMPRESSION_ZLIB_TYPE) {
      return plain(zlib.inflateSync(body, { maxOutputLength: DECOMPRESSED_BODY_BYTES_MAX }));
    }
    if (type === COMPRESSION_ZSTD_TYPE && zstd.zstdDecompressSync !== undefined) {
      // bounded as zlib is: a few KiB of concatenated frames would otherwise inflate to gigabytes
      const maxOutputLength = DECOMPRESSED_BODY_BYTES_MAX;
      return plain(zstd.zstdDecompressSync(body, { maxOutputLength }));
    }
    if (type === COMPRESSION_LZ4_TYPE) return decompressLz4Frame(body, DECOMPRESSED_BODY_BYTES_MAX);
  } catch (error) {
    const reason = error instanceof RangeError
      ? `it inflates beyond DECOMPRESSED_BODY_BYTES_MAX ${DECOMPRESSED_BODY_BYTES_MAX}`
      : error instanceof Error
      ? error.message
      : String(error);
    throw new MessageCompressionError(
      `Cannot decompress message body of ${body.length} bytes (sysFlag 0x${
        sysFlag.toString(16)
      }): ${reason}`,
      { cause: error },
    );
  }
  const name = type === COMPRESSION_LZ4_TYPE
    ? "LZ4"
    : type === COMPRESSION_ZSTD_TYPE
    ? "ZSTD"
    : `type 0x${type.toString(16)}`;
  throw new MessageCompressionError(
    `Cannot decompress message body (sysFlag 0x${
      sysFlag.toString(16)
    }): ${name} is not supported by this runtime`,
  );
}
