/**
 * Encoding of commands into frames as a Web Streams transform (`shared/spec/remoting.md` §1).
 *
 * @module
 */

import { encodeCommand } from "./command_codec.ts";
import type { RemotingCommand } from "./remoting_command.ts";

/**
 * Encodes each {@linkcode RemotingCommand} into one whole frame (length prefix included), its header in
 * the command's own serialize type. A command that cannot be encoded errors the stream with a
 * `FrameEncodeError`.
 *
 * @example
 * ```ts
 * import { FrameEncoderStream } from "./frame_encoder_stream.ts";
 * const frames = ReadableStream.from([
 *   { code: 34, language: "JAVA", version: 409, opaque: 1, flag: 0, serializeType: "JSON" as const },
 * ]).pipeThrough(new FrameEncoderStream());
 * for await (const frame of frames) if (frame[4] !== 0) throw new Error("JSON type byte");
 * ```
 */
export class FrameEncoderStream extends TransformStream<RemotingCommand, Uint8Array> {
  /**
   * @param writableStrategy queuing strategy of the command side (default: high water mark 1)
   * @param readableStrategy queuing strategy of the byte side (default: high water mark 0)
   */
  constructor(
    writableStrategy?: QueuingStrategy<RemotingCommand>,
    readableStrategy?: QueuingStrategy<Uint8Array>,
  ) {
    super(
      {
        transform: (command, controller) => controller.enqueue(encodeCommand(command)),
      },
      writableStrategy,
      readableStrategy,
    );
  }
}
