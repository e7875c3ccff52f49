/**
 * `deno task namesrv [-c namesrv.properties] [-p] [-h]`: runs a name server the way `mqnamesrv`
 * does. `-c` applies a Java properties file over RocketMQ's defaults (and becomes the file
 * UPDATE_NAMESRV_CONFIG writes back to, whatever `configStorePath` it names, as in RocketMQ);
 * `-p` prints the effective configuration and exits; `-h` prints usage. A bad value exits 1
 * before any port is bound. SIGINT / SIGTERM / SIGHUP shut down gracefully.
 *
 * @module
 */
import { exitOnSignals, homeDirectory } from "../common/adapters/deno_process.ts";
import { type CommandLineOption, parseCommandLine } from "../common/command_line.ts";
import { ConfigError } from "../common/config_loader.ts";
import { parseProperties, PropertiesSyntaxError } from "../common/properties.ts";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import { serveDenoHttp } from "./adapters/deno_http.ts";
import {
  loadNamesrvConfig,
  NAMESRV_CONFIG_KEYS,
  type NamesrvConfig,
  type NamesrvEnv,
} from "./namesrv_config.ts";
import { NamesrvController } from "./namesrv_controller.ts";

const USAGE = `usage: deno task namesrv [-c <file>] [-p] [-h]
 -c,--configFile <file>    Name server config properties file
 -h,--help                 Print help
 -n,--namesrvAddr <addr>   Accepted for mqnamesrv compatibility; no effect on a name server
 -p,--printConfigItem      Print all config items
`;

/** Parsed command line. */
interface Args {
  configFile?: string;
  print: boolean;
  help: boolean;
  namesrvAddr?: string;
}

/** `mqnamesrv`'s options (NamesrvStartup's and ServerUtil's). */
const OPTIONS: readonly CommandLineOption[] = [
  { short: "c", long: "configFile", hasArg: true },
  { short: "p", long: "printConfigItem", hasArg: false },
  { short: "h", long: "help", hasArg: false },
  { short: "n", long: "namesrvAddr", hasArg: true },
];

/** @throws {Error} on an unknown option or a missing option value */
function parseArgs(argv: readonly string[]): Args {
  const parsed = parseCommandLine(argv, OPTIONS);
  if (!parsed.ok) throw new Error(parsed.message);
  const { values } = parsed;
  const text = (key: string) => {
    const value = values.get(key);
    return typeof value === "string" ? value : undefined;
  };
  return {
    configFile: text("configFile"),
    print: values.has("printConfigItem"),
    help: values.has("help"),
    namesrvAddr: text("namesrvAddr"),
  };
}

function fail(message: string): never {
  console.error(message);
  Deno.exit(1);
}

/** Reads the environment, the file and the flags into the effective configuration. */
async function loadConfig(args: Args, env: NamesrvEnv) {
  let properties = new Map<string, string>();
  if (args.configFile !== undefined) {
    try {
      properties = parseProperties(await Deno.readTextFile(args.configFile));
    } catch (error) {
      if (error instanceof PropertiesSyntaxError) {
        fail(`Cannot load config file ${args.configFile}: ${error.message}`);
      }
      fail(`Cannot read config file ${args.configFile}: ${(error as Error).message}`);
    }
    console.log(`load config properties file OK, ${args.configFile}`);
  }
  try {
    const result = loadNamesrvConfig(properties, env);
    if (args.configFile !== undefined) {
      // The -c file wins over a configStorePath inside it (a copied or mounted file names its
      // old place): RocketMQ's NamesrvStartup sets it after reading the file.
      const named = properties.get("configStorePath");
      if (named !== undefined && named !== args.configFile) {
        result.warnings.push(
          `Config key configStorePath ${named} is replaced by the -c file ${args.configFile}, where updates persist`,
        );
      }
      result.config.configStorePath = args.configFile;
    }
    return result;
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

function printConfig(config: NamesrvConfig): void {
  const values = config as Record<string, unknown>;
  for (const key of NAMESRV_CONFIG_KEYS) console.log(`${key}=${values[key] ?? ""}`);
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(Deno.args);
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const home = homeDirectory();
  const env: NamesrvEnv = { home, rocketmqHome: Deno.env.get("ROCKETMQ_HOME") };
  const { config, warnings, unknown } = await loadConfig(args, env);
  if (args.namesrvAddr !== undefined) warnings.push("Option -n has no effect on a name server");
  for (const warning of warnings) console.error(`WARN ${warning}`);
  if (args.print) {
    printConfig(config);
    return;
  }
  const controller = new NamesrvController({
    config,
    extraProperties: unknown,
    env,
    fs: new DenoFileSystem(),
    transport: new DenoTcpTransport(),
    serveHttp: serveDenoHttp,
  });
  exitOnSignals(() => controller.shutdown()); // also during the start, which it then stops
  try {
    await controller.start();
  } catch (error) {
    await controller.shutdown();
    fail(`Cannot start the name server: ${(error as Error).message}`);
  }
  console.log(`The Name Server boot success. serializeType=JSON`);
  console.log(`Name server listening on ${config.bindAddress}:${controller.port}`);
  const httpPort = controller.httpPort;
  console.log(
    httpPort === undefined
      ? "HTTP admin off"
      : `HTTP admin on http://${config.bindAddress}:${httpPort}`,
  );
}

if (import.meta.main) await main();
