/**
 * {@linkcode ClientEnv} from Deno: `Deno.pid`, `Deno.networkInterfaces()` and `Deno.env`. Reading
 * interfaces or variables without permission yields nothing rather than failing the client.
 *
 * @module
 */

import type { ClientEnv, NetworkAddress } from "../client_env.ts";

function isPermissionError(error: unknown): boolean {
  return error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable;
}

/**
 * The environment of the running Deno process.
 *
 * @param properties Java-style system properties to answer with (Deno has none of its own)
 * @returns the environment
 * @example
 * ```ts
 * import { denoClientEnv } from "./deno_client_env.ts";
 * const env = denoClientEnv();
 * if (env.pid !== Deno.pid) throw new Error("pid");
 * ```
 */
export function denoClientEnv(properties: Readonly<Record<string, string>> = {}): ClientEnv {
  const originNs = BigInt(Math.round(performance.timeOrigin * 1e6));
  return {
    pid: Deno.pid,
    nanoTime: () => originNs + BigInt(Math.round(performance.now() * 1e6)),
    networkAddresses: (): NetworkAddress[] => {
      try {
        return Deno.networkInterfaces().map((i) => ({ address: i.address, family: i.family }));
      } catch (error) {
        if (isPermissionError(error)) return [];
        throw error;
      }
    },
    getEnv: (name) => {
      try {
        return Deno.env.get(name);
      } catch (error) {
        if (isPermissionError(error)) return undefined;
        throw error;
      }
    },
    systemProperty: (name) => properties[name],
  };
}
