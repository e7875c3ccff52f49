/**
 * The logger the remoting server and client write to. `console` fits it; tests pass
 * {@linkcode silentRemotingLogger} or a collecting one.
 *
 * @module
 */

/** Where remoting writes what happened: connections, closed channels, rejected frames. */
export interface RemotingLogger {
  /** routine detail, e.g. a dropped response on a closed channel */
  debug(message: string): void;
  /** lifecycle, e.g. a connection accepted or closed */
  info(message: string): void;
  /** a peer misbehaved or a request failed, e.g. a bad frame */
  warn(message: string): void;
  /** our own failure, e.g. a processor threw */
  error(message: string): void;
}

/**
 * A logger that drops everything but errors, which go to `console.error`.
 *
 * @example
 * ```ts
 * import { silentRemotingLogger } from "./remoting_logger.ts";
 * silentRemotingLogger.info("not printed");
 * ```
 */
export const silentRemotingLogger: RemotingLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message) => console.error(message),
};

/** The default: `console` without debug lines. */
export const consoleRemotingLogger: RemotingLogger = {
  debug: () => undefined,
  info: (message) => console.info(message),
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};
