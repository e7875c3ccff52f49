/**
 * What the two HTTP admins (name server and broker) share about errors.
 *
 * @module
 */

/**
 * Tells a request body the client cut short (a Content-Length it did not send, a chunked body
 * without its last chunk, a connection closed mid-upload) from a server failure: reading it makes
 * the runtime throw `BadResource` or `Http` errors, which are the client's fault (a 400), not a
 * 500 with the server's internals.
 *
 * @param error an error a route or middleware threw
 * @returns true when it is such a read failure
 * @example
 * ```ts
 * import { isBodyReadError } from "./http_errors.ts";
 * const cut = Object.assign(new Error("Cannot read body"), { name: "BadResource" });
 * if (!isBodyReadError(cut) || isBodyReadError(new TypeError("x"))) throw new Error("names");
 * ```
 */
export function isBodyReadError(error: Error): boolean {
  return error.name === "BadResource" || error.name === "Http";
}
