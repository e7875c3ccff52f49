/**
 * Test support for `tools/`: runs `mqadmin` command lines through {@linkcode runMQAdmin} with
 * captured output and test client options (loopback IP, quiet logs, fixed pid). Internal.
 *
 * @module
 */

import { staticClientEnv } from "../client/client_env.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { type MQAdminOptions, runMQAdmin } from "./mqadmin.ts";

/** What one command line printed and returned. */
export interface MQAdminRun {
  /** exit code */
  code: number;
  /** standard output */
  out: string;
  /** standard error */
  err: string;
}

/**
 * Runs one command line with captured writers.
 *
 * @param argv the arguments after `mqadmin`
 * @param options more options (name servers from the environment, body saver, clock)
 * @returns the exit code and the output
 */
export async function mqadmin(
  argv: readonly string[],
  options: Partial<MQAdminOptions> = {},
): Promise<MQAdminRun> {
  const run: MQAdminRun = { code: -1, out: "", err: "" };
  run.code = await runMQAdmin(argv, {
    client: {
      clientIP: "127.0.0.1",
      logger: silentRemotingLogger,
      env: staticClientEnv({ pid: 4242 }),
    },
    ...options,
    out: { write: (text) => void (run.out += text) },
    err: { write: (text) => void (run.err += text) },
  });
  return run;
}

/**
 * @param run a finished run
 * @returns the run, after checking it succeeded (else throws with its output)
 */
export function ok(run: MQAdminRun): MQAdminRun {
  if (run.code !== 0) {
    throw new Error(`mqadmin exited ${run.code}\nout:\n${run.out}\nerr:\n${run.err}`);
  }
  return run;
}

/**
 * A runner bound to one name server: `cli("topicRoute -t T")` runs `topicRoute -n <ns> -t T`.
 *
 * @param namesrvAddr the name server
 * @returns the runner; pass an array when a value has spaces
 */
export function cliOn(
  namesrvAddr: string,
): (line: string | readonly string[], options?: Partial<MQAdminOptions>) => Promise<MQAdminRun> {
  return (line, options) => {
    const [command, ...rest] = typeof line === "string" ? line.split(" ") : line;
    return mqadmin([command, "-n", namesrvAddr, ...rest], options);
  };
}
