/**
 * The `mqbroker` command line (RocketMQ `BrokerStartup`, config.md §1), as a pure function from
 * arguments to a plan: `-c file` (properties file), `-n addr;addr` (name servers, wins over the
 * file), `-p` (print every config key and exit), `-m` (print the important keys and exit), `-h`.
 * `broker/main.ts` reads the file, loads the config and carries the plan out.
 *
 * @module
 */
import { type CommandLineOption, parseCommandLine } from "../common/command_line.ts";

/** What `mqbroker` was asked to do. */
export type BrokerCliPlan =
  | { readonly action: "help"; readonly usage: string }
  | { readonly action: "error"; readonly message: string; readonly usage: string }
  | {
    readonly action: "print";
    /** `-m`: only RocketMQ's important keys */
    readonly importantOnly: boolean;
    /** `-c` */
    readonly configFile?: string;
    /** `-n` */
    readonly namesrvAddr?: string;
  }
  | {
    readonly action: "start";
    /** `-c` */
    readonly configFile?: string;
    /** `-n` */
    readonly namesrvAddr?: string;
  };

/** The help text, laid out as Apache Commons CLI prints RocketMQ's. */
export const BROKER_USAGE = [
  "usage: mqbroker [-c <arg>] [-h] [-m] [-n <arg>] [-p]",
  " -c,--configFile <arg>       Broker config properties file",
  " -h,--help                   Print help",
  " -m,--printImportantConfig   Print important config item",
  " -n,--namesrvAddr <arg>      Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'",
  " -p,--printConfigItem        Print all config item",
  "",
].join("\n");

const OPTIONS: readonly CommandLineOption[] = [
  { short: "c", long: "configFile", hasArg: true },
  { short: "n", long: "namesrvAddr", hasArg: true },
  { short: "p", long: "printConfigItem", hasArg: false },
  { short: "m", long: "printImportantConfig", hasArg: false },
  { short: "h", long: "help", hasArg: false },
];

/**
 * Parses `mqbroker` arguments. `--name=value` and `-c value` forms are accepted; a later option
 * of the same name wins. `-p` wins over `-m`, as in `BrokerStartup`.
 *
 * @param args the arguments after the program name
 * @returns the plan; unknown options and missing values give an `error` plan, never a throw
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBrokerArgs } from "./broker_cli.ts";
 * assert.deepEqual(parseBrokerArgs(["-c", "conf/broker.conf", "-n", "127.0.0.1:9876"]),
 *   { action: "start", configFile: "conf/broker.conf", namesrvAddr: "127.0.0.1:9876" });
 * assert.equal(parseBrokerArgs(["-m"]).action, "print");
 * ```
 */
export function parseBrokerArgs(args: readonly string[]): BrokerCliPlan {
  const parsed = parseCommandLine(args, OPTIONS);
  if (!parsed.ok) return errorPlan(parsed.message);
  const values = parsed.values;
  if (values.has("help")) return { action: "help", usage: BROKER_USAGE };
  const files: { configFile?: string; namesrvAddr?: string } = {};
  const configFile = values.get("configFile");
  const namesrvAddr = values.get("namesrvAddr");
  if (typeof configFile === "string") files.configFile = configFile;
  if (typeof namesrvAddr === "string") files.namesrvAddr = namesrvAddr;
  if (values.has("printConfigItem")) return { action: "print", importantOnly: false, ...files };
  if (values.has("printImportantConfig")) return { action: "print", importantOnly: true, ...files };
  return { action: "start", ...files };
}

function errorPlan(message: string): BrokerCliPlan {
  return { action: "error", message, usage: BROKER_USAGE };
}
