/**
 * {@linkcode ServeHttp} on `Deno.serve`: the only place the name server touches Deno's HTTP server.
 *
 * @module
 */
import type { HttpServerHandle, ServeHttp } from "../namesrv_controller.ts";

/**
 * Serves a fetch handler with `Deno.serve`; resolves once the port is bound.
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
      reject(error);
    }
  });
};
