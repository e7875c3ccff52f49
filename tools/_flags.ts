/**
 * A small command-line option parser in the manner of the Apache Commons CLI `PosixParser` that
 * RocketMQ's `mqadmin` uses: one-letter options (`-t TopicTest`, `-tTopicTest`), their long names
 * (`--topic TopicTest`, `--topic=TopicTest`), switches without a value (`-l`), required options,
 * and values read the way RocketMQ reads them (trimmed as Java's `String.trim`; `Integer.parseInt`,
 * `Boolean.parseBoolean`). Errors name the option. Internal to `tools/`.
 *
 * @module
 */

import { parseClampedLong } from "../common/decimal_integer.ts";
import { javaTrim } from "../common/tag_expression.ts";
import type { OptionSpec } from "./command.ts";

/** A bad command line: unknown option, missing value, missing required option, bad number. */
export class FlagError extends Error {
  /**
   * Creates the error.
   *
   * @param message what is wrong, naming the option (lower case: it follows `Cannot run <cmd>: `)
   */
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

/** The options every command takes (RocketMQ `ServerUtil.buildCommandlineOptions`). */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { short: "h", long: "help", hasArg: false, description: "Print help" },
  {
    short: "n",
    long: "namesrvAddr",
    hasArg: true,
    description: "Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'",
  },
];

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INTEGER_TEXT = /^[+-]?\d+$/;

/** Parsed options of one command line. */
export class ParsedFlags {
  readonly #specs: ReadonlyMap<string, OptionSpec>;
  readonly #values: ReadonlyMap<string, string | true>;

  /**
   * @param specs the options the command knows, by short name
   * @param values the options given, by short name (`true` for switches)
   */
  constructor(specs: ReadonlyMap<string, OptionSpec>, values: ReadonlyMap<string, string | true>) {
    this.#specs = specs;
    this.#values = values;
  }

  /**
   * @param short a one-letter option name
   * @returns whether the option was given
   */
  has(short: string): boolean {
    return this.#values.has(short);
  }

  /**
   * @param short a one-letter option name
   * @returns its trimmed value, or undefined when absent (or a switch)
   */
  get(short: string): string | undefined {
    const value = this.#values.get(short);
    // commons-cli values go through Java's String.trim: code points ≤ U+0020 only.
    return typeof value === "string" ? javaTrim(value) : undefined;
  }

  /**
   * @param short a one-letter option name
   * @returns its trimmed value
   * @throws {FlagError} `missing required option -t (topic)` when absent
   */
  require(short: string): string {
    const value = this.get(short);
    if (value === undefined) throw new FlagError(`missing required option ${this.describe(short)}`);
    return value;
  }

  /**
   * Reads an int as Java `Integer.parseInt` does.
   *
   * @param short a one-letter option name
   * @param fallback the value when the option is absent
   * @returns the number
   * @throws {FlagError} naming the option when the value is not a 32-bit integer
   */
  int(short: string, fallback: number): number {
    return this.#integer(short, fallback, INT32_MIN, INT32_MAX);
  }

  /**
   * Reads a long as Java `Long.parseLong` does, within the safe-integer range.
   *
   * @param short a one-letter option name
   * @param fallback the value when the option is absent
   * @returns the number
   * @throws {FlagError} naming the option when the value is not an integer
   */
  long(short: string, fallback: number): number {
    return this.#integer(short, fallback, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Reads a time bound: any Java long (`Long.MAX_VALUE`, RocketMQ's "no end", included), clamped
   * to the safe-integer range, which bounds the same messages.
   *
   * @param short a one-letter option name
   * @param fallback the value when the option is absent
   * @returns the number
   * @throws {FlagError} naming the option when the value is not a Java long
   */
  clampedLong(short: string, fallback: number): number {
    const text = this.get(short);
    if (text === undefined) return fallback;
    const value = parseClampedLong(text);
    if (Number.isNaN(value)) {
      throw new FlagError(
        `invalid value ${JSON.stringify(text)} for option ${this.describe(short)}: ` +
          `expected an integer between -9223372036854775808 and 9223372036854775807`,
      );
    }
    return value;
  }

  /**
   * Reads a boolean as Java `Boolean.parseBoolean` does: true only for `true`, any case.
   *
   * @param short a one-letter option name
   * @param fallback the value when the option is absent
   * @returns the boolean
   */
  bool(short: string, fallback: boolean): boolean {
    const value = this.get(short);
    return value === undefined ? fallback : value.toLowerCase() === "true";
  }

  /**
   * @param shorts the options of which exactly the first given one is used (`-b` or `-c`)
   * @returns the first given option and its value
   * @throws {FlagError} `missing required option -b (brokerAddr) or -c (clusterName)` when none
   */
  oneOf(...shorts: string[]): { short: string; value: string } {
    for (const short of shorts) {
      const value = this.get(short);
      if (value !== undefined) return { short, value };
    }
    const names = shorts.map((s) => this.describe(s)).join(" or ");
    throw new FlagError(`missing required option ${names}`);
  }

  /**
   * @param short a one-letter option name
   * @returns `-t (topic)`
   */
  describe(short: string): string {
    const spec = this.#specs.get(short);
    return spec === undefined ? `-${short}` : `-${short} (${spec.long})`;
  }

  #integer(short: string, fallback: number, min: number, max: number): number {
    const text = this.get(short);
    if (text === undefined) return fallback;
    const value = INTEGER_TEXT.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new FlagError(
        `invalid value ${JSON.stringify(text)} for option ${this.describe(short)}: ` +
          `expected an integer between ${min} and ${max}`,
      );
    }
    return value;
  }
}

function indexSpecs(specs: readonly OptionSpec[]): {
  byShort: Map<string, OptionSpec>;
  byLong: Map<string, OptionSpec>;
} {
  const byShort = new Map<string, OptionSpec>();
  const byLong = new Map<string, OptionSpec>();
  for (const spec of specs) {
    byShort.set(spec.short, spec);
    byLong.set(spec.long, spec);
  }
  return { byShort, byLong };
}

/** Splits one token into its option and an attached value (`-tX`, `--topic=X`). */
function splitToken(
  token: string,
  index: ReturnType<typeof indexSpecs>,
): { spec: OptionSpec; attached: string | undefined } {
  if (token.startsWith("--")) {
    const eq = token.indexOf("=");
    const name = eq < 0 ? token.slice(2) : token.slice(2, eq);
    const spec = index.byLong.get(name);
    if (spec === undefined) throw new FlagError(`unrecognized option ${token}`);
    return { spec, attached: eq < 0 ? undefined : token.slice(eq + 1) };
  }
  const spec = index.byShort.get(token.slice(1, 2));
  if (spec === undefined) throw new FlagError(`unrecognized option ${token}`);
  return { spec, attached: token.length > 2 ? token.slice(2) : undefined };
}

function isOptionToken(token: string, index: ReturnType<typeof indexSpecs>): boolean {
  if (token.startsWith("--")) return index.byLong.has(token.slice(2).split("=")[0]);
  return token.length >= 2 && token.startsWith("-") && index.byShort.has(token.slice(1, 2));
}

/**
 * Parses a command's arguments. Required options are checked unless `-h` is given.
 *
 * @param argv the arguments after the command name
 * @param specs the options the command knows (global ones included)
 * @returns the options given
 * @throws {FlagError} on an unknown option, a missing value, a stray argument or a missing
 *   required option, naming it
 * @example
 * ```ts
 * import { GLOBAL_OPTIONS, parseFlags } from "./_flags.ts";
 * const specs = [...GLOBAL_OPTIONS, { short: "t", long: "topic", hasArg: true, description: "topic" }];
 * const flags = parseFlags(["-n", "127.0.0.1:9876", "--topic=TopicTest"], specs);
 * if (flags.get("t") !== "TopicTest" || !flags.has("n")) throw new Error();
 * ```
 */
export function parseFlags(argv: readonly string[], specs: readonly OptionSpec[]): ParsedFlags {
  const index = indexSpecs(specs);
  const values = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith("-") || token === "-" || token === "--") {
      throw new FlagError(`unexpected argument ${JSON.stringify(token)}`);
    }
    const { spec, attached } = splitToken(token, index);
    if (!spec.hasArg) {
      if (attached !== undefined) throw new FlagError(`option -${spec.short} takes no value`);
      values.set(spec.short, true);
      continue;
    }
    let value = attached;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || isOptionToken(next, index)) {
        throw new FlagError(`missing argument for option -${spec.short} (${spec.long})`);
      }
      value = next;
      i++;
    }
    values.set(spec.short, value);
  }
  const flags = new ParsedFlags(index.byShort, values);
  if (!flags.has("h")) {
    for (const spec of specs) if (spec.required === true) flags.require(spec.short);
  }
  return flags;
}

/**
 * Writes a command's usage in the shape of Commons CLI's `HelpFormatter`.
 *
 * @param command e.g. `mqadmin updateTopic`
 * @param specs its options
 * @returns the usage text, ending in a newline
 */
export function formatUsage(command: string, specs: readonly OptionSpec[]): string {
  const sorted = [...specs].sort((a, b) => a.short.localeCompare(b.short));
  const synopsis = sorted.map((s) => {
    const text = s.hasArg ? `-${s.short} <arg>` : `-${s.short}`;
    return s.required === true ? text : `[${text}]`;
  });
  const rows = sorted.map((s) => `-${s.short},--${s.long}${s.hasArg ? " <arg>" : ""}`);
  const width = Math.max(...rows.map((r) => r.length));
  const lines = sorted.map((s, i) => ` ${rows[i].padEnd(width)}   ${s.description}`);
  return `usage: ${command} ${synopsis.join(" ")}\n${lines.join("\n")}\n`;
}
