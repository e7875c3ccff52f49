/**
 * Command-line options the way `mqnamesrv` and `mqbroker` read them (Apache Commons CLI, as
 * RocketMQ's `ServerUtil.parseCmdLine` uses it): `-c value`, `--configFile value` and
 * `--configFile=value`; an option that takes a value followed by another option is missing its
 * value; an unknown option is an error. Shared by the name server and the broker entry points.
 *
 * @module
 */

/** One option: its short and long spelling and whether it takes a value. */
export interface CommandLineOption {
  /** e.g. `c` (written `-c`) */
  readonly short: string;
  /** e.g. `configFile` (written `--configFile`); the key of the parsed value */
  readonly long: string;
  /** whether a value follows */
  readonly hasArg: boolean;
}

/** The parsed options (long name → value, `true` for a flag), or why they do not parse. */
export type CommandLineResult =
  | { readonly ok: true; readonly values: ReadonlyMap<string, string | true> }
  | { readonly ok: false; readonly message: string };

/**
 * Parses arguments against a list of options. A later option of the same name wins.
 *
 * @param args the arguments after the program name
 * @param options the options the program knows
 * @returns the values by long name, or the first problem (`Unrecognized option: -x`,
 *   `Missing argument for option: c`), never a throw
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommandLine } from "./command_line.ts";
 * const options = [{ short: "c", long: "configFile", hasArg: true }];
 * const result = parseCommandLine(["--configFile=conf/namesrv.conf"], options);
 * assert.ok(result.ok);
 * assert.equal(result.values.get("configFile"), "conf/namesrv.conf");
 * ```
 */
export function parseCommandLine(
  args: readonly string[],
  options: readonly CommandLineOption[],
): CommandLineResult {
  const bySpelling = new Map<string, CommandLineOption>();
  for (const option of options) {
    bySpelling.set(`-${option.short}`, option);
    bySpelling.set(`--${option.long}`, option);
  }
  const values = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const option = bySpelling.get(flag);
    if (option === undefined) return { ok: false, message: `Unrecognized option: ${arg}` };
    if (!option.hasArg) {
      if (eq > 0) return { ok: false, message: `Option ${flag} takes no value` };
      values.set(option.long, true);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && bySpelling.has(value))) {
      return { ok: false, message: `Missing argument for option: ${option.short}` };
    }
    values.set(option.long, value);
  }
  return { ok: true, values };
}
