/**
 * What the entry points (`main.ts`, `broker/main.ts`, `namesrv/main.ts`) share of the process:
 * the home folder their default paths hang from, and the signals that stop them gracefully.
 *
 * @module
 */

import { homedir } from "node:os";

/**
 * The user's home folder, as Java's `user.home`: `$HOME` when set, else the account's home from
 * the password database (never the working directory, so a service started without `HOME`
 * finds the same data wherever it runs).
 *
 * @returns the home folder
 * @example
 * ```ts
 * import { homeDirectory } from "./deno_process.ts";
 * if (!homeDirectory().startsWith("/") && !/^[A-Za-z]:/.test(homeDirectory())) throw new Error();
 * ```
 */
export function homeDirectory(): string {
  return Deno.env.get("HOME") || homedir();
}

/** The signals that stop a server gracefully: a closed terminal (SIGHUP) too, as on a JVM. */
export const STOP_SIGNALS: readonly Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT"]
  : ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Installs handlers for {@linkcode STOP_SIGNALS} that run `stop` once, then exit 0 (1 when it
 * fails). A second signal while stopping is ignored.
 *
 * @param stop the graceful shutdown
 * @example
 * ```ts
 * import { exitOnSignals } from "./deno_process.ts";
 * if (import.meta.main) exitOnSignals(() => Promise.resolve());
 * ```
 */
export function exitOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Received ${signal}, shutting down`);
    stop().then(
      () => Deno.exit(0),
      (error) => {
        console.error(`Shutdown failed: ${(error as Error).message}`);
        Deno.exit(1);
      },
    );
  };
  for (const signal of STOP_SIGNALS) Deno.addSignalListener(signal, () => handler(signal));
}
