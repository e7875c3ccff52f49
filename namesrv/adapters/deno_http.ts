/**
 * {@linkcode ServeHttp} on `Deno.serve`: the only place the name server touches Deno's HTTP server.
 *
 * @module
 */
import type { HttpServerHandle, ServeHttp } from "../namesrv_controller.ts";

/**
 * Serves a fetch handler with `Deno.serve`; resolves once the port is bound, rejects with the
 * bind error (its message naming the address) when it cannot be.
 *
 * @example
 * ```ts ignore
 * const handle = await serveDenoHttp({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
 * await handle.shutdown();
 * ```
 */
export const serveDenoHttp: ServeHttp = (options) => {
  return new Promise<HttpServerHandle>((resolve, reject) => {
    try {
      const server = Deno.serve({
        hostname: options.hostname,
        port: options.port,
        onListen: () => undefined,
        handler: options.fetch,
      });
      resolve({ port: server.addr.port, shutdown: () => server.shutdown() });
    } catch (error) {
      // Named, as the TCP listeners are: the HTTP admin is one of several ports a server binds.
      if (error instanceof Error) {
        error.message =
          `Cannot serve HTTP on ${options.hostname}:${options.port}: ${error.message}`;
      }
      reject(error);
    }
  });
};
