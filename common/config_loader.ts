/**
 * Turns properties (from a `-c` file, an UPDATE_*_CONFIG body or the HTTP admin) into a typed
 * config validated by a zod object schema, the way RocketMQ's `MixAll.properties2Object` applies
 * them, but never silently: unknown keys, old spellings and keys with no effect on this runtime
 * produce warnings, and a bad value is an error naming the key, the value and what is expected
 * (`shared/spec/config.md` §1). Name server and broker share it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { CONFIG_UNKNOWN_KEY_WARNINGS_MAX } from "./limits.ts";
import { stringifyProperties } from "./properties.ts";

/** One rejected config value. */
export interface ConfigIssue {
  /** the config key */
  readonly key: string;
  /** the value as given (text) */
  readonly value: string;
  /** what the key accepts, e.g. `an integer between 0 and 65535` */
  readonly expected: string;
}

/** Thrown when one or more config values are invalid; the message lists every one of them. */
export class ConfigError extends Error {
  /** @param issues the rejected values, at least one */
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      issues.map((i) =>
        `Invalid value for ${i.key}: ${JSON.stringify(i.value)} (expected ${i.expected})`
      )
        .join("; "),
    );
    this.name = "ConfigError";
  }
}

/** Options for {@linkcode loadConfig}. */
export interface ConfigLoadOptions {
  /** keys accepted for compatibility that change nothing on this runtime; reported as such */
  readonly noEffectKeys?: ReadonlySet<string>;
  /** old spelling → current key (e.g. `mapedFileSizeCommitLog` → `mappedFileSizeCommitLog`) */
  readonly renamedKeys?: Readonly<Record<string, string>>;
  /** values applied over the schema defaults before the properties (a preset, or the current config) */
  readonly base?: Readonly<Record<string, unknown>>;
}

/** What {@linkcode loadConfig} produced. */
export interface ConfigLoadResult<T> {
  /** the validated config: defaults, then `base`, then the properties */
  readonly config: T;
  /**
   * one line per renamed or no-effect key given, and per unknown key up to
   * CONFIG_UNKNOWN_KEY_WARNINGS_MAX (then one line counting the rest)
   */
  readonly warnings: string[];
  /** schema keys set by the properties, in input order (renamed keys under their new name) */
  readonly appliedKeys: string[];
  /** keys the schema does not know, with their raw values (RocketMQ keeps them in its config output) */
  readonly unknown: Map<string, string>;
}

/** Anything that lists key/value text pairs. */
export type PropertiesInput =
  | ReadonlyMap<string, string>
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string>>;

/** The field type under `.default()` / `.optional()` / `.nullable()` wrappers. */
function baseType(field: z.ZodType): z.ZodType {
  let t: z.ZodType = field;
  while (t instanceof z.ZodDefault || t instanceof z.ZodOptional || t instanceof z.ZodNullable) {
    t = t.unwrap() as z.ZodType;
  }
  return t;
}

/**
 * A zod field for RocketMQ's "-1 turns it off" integers: -1 (the default) or [min, max].
 *
 * @param min least value besides -1
 * @param max greatest value
 * @returns the field, described for error messages
 */
export function offOrIntBetween(min: number, max: number) {
  return z.number().int().refine((v) => v === -1 || (v >= min && v <= max)).default(-1)
    .describe(`-1 or an integer in [${min}, ${max}]`);
}

/**
 * Describes what a schema field accepts, for error messages: its `.describe()` text if any,
 * else derived from its type and bounds.
 *
 * @param field a field of a config schema
 * @returns e.g. `an integer between 0 and 65535`, `true or false`, `one of SYNC_FLUSH, ASYNC_FLUSH`,
 *   `a non-empty string`
 */
export function describeExpected(field: z.ZodType): string {
  const t = baseType(field);
  const described = field.description ?? t.description;
  if (described) return described;
  if (t instanceof z.ZodBoolean) return "true or false";
  if (t instanceof z.ZodEnum) return `one of ${t.options.join(", ")}`;
  if (t instanceof z.ZodNumber) {
    const kind = t.isInt ? "an integer" : "a number";
    const min = t.minValue ?? -Infinity;
    const max = t.maxValue ?? Infinity;
    const hasMin = min > -Number.MAX_SAFE_INTEGER;
    const hasMax = max < Number.MAX_SAFE_INTEGER;
    if (hasMin && hasMax) return `${kind} between ${min} and ${max}`;
    if (hasMin) return `${kind} >= ${min}`;
    if (hasMax) return `${kind} <= ${max}`;
    return kind;
  }
  if (t instanceof z.ZodString) {
    // `brokerName=` is a string too: say what the key refuses, not what it is.
    return (t.minLength ?? 0) > 0 ? "a non-empty string" : "a string";
  }
  return "a valid value";
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Converts one text value to the field's type as RocketMQ does: strings trimmed, numbers parsed
 * in full (no blanks, no trailing junk), booleans `true`/`false` in any case.
 *
 * @returns the typed value, or `undefined` when the text does not parse
 */
function convert(field: z.ZodType, text: string): unknown {
  const t = baseType(field);
  if (t instanceof z.ZodBoolean) {
    const lower = text.toLowerCase();
    return lower === "true" ? true : lower === "false" ? false : undefined;
  }
  if (t instanceof z.ZodNumber) {
    if (!(t.isInt ? INTEGER_TEXT : NUMBER_TEXT).test(text)) return undefined;
    return Number(text);
  }
  return text.trim();
}

/** @returns the input as an ordered list of pairs */
function toPairs(input: PropertiesInput): (readonly [string, string])[] {
  if (input instanceof Map) return [...input];
  if (Symbol.iterator in Object(input)) return [...(input as Iterable<readonly [string, string]>)];
  return Object.entries(input as Record<string, string>);
}

/** Resolves old spellings; warns about them and about a spelling given twice. */
function resolveRenames(
  pairs: (readonly [string, string])[],
  renamedKeys: Readonly<Record<string, string>>,
  warnings: string[],
): (readonly [string, string])[] {
  const given = new Set(pairs.map(([k]) => k));
  const out: (readonly [string, string])[] = [];
  for (const [key, value] of pairs) {
    const renamed = Object.hasOwn(renamedKeys, key) ? renamedKeys[key] : undefined;
    if (renamed === undefined) {
      out.push([key, value]);
    } else if (given.has(renamed)) {
      warnings.push(
        `Config key ${key} is the old spelling of ${renamed}, which is also set; ${key} ignored`,
      );
    } else {
      warnings.push(`Config key ${key} is the old spelling of ${renamed}; applied as ${renamed}`);
      out.push([renamed, value]);
    }
  }
  return out;
}

/**
 * Applies properties to a config schema.
 *
 * @param schema zod object schema: one field per config key, each with its default
 * @param properties the text values to apply (file, wire body or admin request)
 * @param options no-effect keys, old spellings, base values
 * @returns the validated config, warnings, the keys applied and the unknown keys
 * @throws {ConfigError} when any value does not parse or fails the schema
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "zod";
 * import { loadConfig } from "./config_loader.ts";
 * const schema = z.object({ listenPort: z.int().min(0).max(65535).default(9876) });
 * const { config, warnings } = loadConfig(schema, new Map([["listenPort", "9877"], ["x", "1"]]));
 * assert.equal(config.listenPort, 9877);
 * assert.deepEqual(warnings, ["Unknown config key x ignored"]);
 * ```
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  properties: PropertiesInput,
  options: ConfigLoadOptions = {},
): ConfigLoadResult<z.output<S>> {
  const shape = schema.shape as Record<string, z.ZodType>;
  // Lower-cased known key → key, for a "did you mean" hint on a key differing only in case.
  const knownByLowerCase = new Map(Object.keys(shape).map((k) => [k.toLowerCase(), k]));
  const warnings: string[] = [];
  const pairs = resolveRenames(toPairs(properties), options.renamedKeys ?? {}, warnings);
  const raw = new Map<string, string>();
  const values: Record<string, unknown> = { ...options.base };
  const issues: ConfigIssue[] = [];
  const appliedKeys: string[] = [];
  const unknown = new Map<string, string>();
  for (const [key, text] of pairs) {
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (field === undefined) {
      if (unknown.size < CONFIG_UNKNOWN_KEY_WARNINGS_MAX) {
        const hint = knownByLowerCase.get(key.toLowerCase());
        warnings.push(`Unknown config key ${key} ignored${hint ? ` (did you mean ${hint}?)` : ""}`);
      }
      unknown.set(key, text);
      continue;
    }
    raw.set(key, text);
    if (!appliedKeys.includes(key)) appliedKeys.push(key);
    const value = convert(field, text);
    // A no-effect key at its default asks for nothing (a file persisted with every key has it).
    if (options.noEffectKeys?.has(key) && !isDefault(field, value)) {
      warnings.push(`Config key ${key} is accepted but has no effect on this runtime`);
    }
    if (value === undefined) issues.push({ key, value: text, expected: describeExpected(field) });
    else values[key] = value;
  }
  // Values that parsed are still checked when others did not, so one run names every bad key
  // (a key that did not parse keeps its default here, so it is not reported twice).
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    issues.push(...parsed.error.issues.map((i) => toIssue(i, shape, raw, values)));
  }
  if (unknown.size > CONFIG_UNKNOWN_KEY_WARNINGS_MAX) {
    const more = unknown.size - CONFIG_UNKNOWN_KEY_WARNINGS_MAX;
    warnings.push(`${more} more unknown config keys ignored`);
  }
  if (issues.length > 0) throw new ConfigError(inInputOrder(issues, appliedKeys));
  assert(parsed.success, "a config that failed its schema has issues");
  return { config: parsed.data, warnings, appliedKeys, unknown };
}

/** @returns the issues in the order their keys were given; keys not given (cross-key rules) last */
function inInputOrder(issues: ConfigIssue[], appliedKeys: readonly string[]): ConfigIssue[] {
  const rank = (key: string) => {
    const at = appliedKeys.indexOf(key);
    return at < 0 ? appliedKeys.length : at;
  };
  return issues.map((issue, at) => ({ issue, at }))
    .sort((a, b) => rank(a.issue.key) - rank(b.issue.key) || a.at - b.at)
    .map(({ issue }) => issue);
}

/** @returns whether `value` is what the field defaults to */
function isDefault(field: z.ZodType, value: unknown): boolean {
  const fallback = field.safeParse(undefined);
  return fallback.success && value !== undefined && Object.is(fallback.data, value);
}

const TYPE_ISSUE_CODES = new Set([
  "invalid_type",
  "too_big",
  "too_small",
  "invalid_value",
  "not_multiple_of",
]);

/** Converts a zod issue to a config issue naming the key, the given text and the expectation. */
function toIssue(
  issue: z.core.$ZodIssue,
  shape: Record<string, z.ZodType>,
  raw: ReadonlyMap<string, string>,
  values: Record<string, unknown>,
): ConfigIssue {
  const key = String(issue.path[0] ?? "(config)");
  const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
  const value = raw.get(key) ?? String(values[key] ?? "");
  const expected = field && TYPE_ISSUE_CODES.has(issue.code)
    ? describeExpected(field)
    : issue.message;
  return { key, value, expected };
}

/**
 * Lists a config's values as text pairs, skipping `null`/`undefined` (as RocketMQ's
 * `MixAll.object2Properties` skips null fields).
 *
 * @param config a config object
 * @returns `[key, text]` pairs in the object's key order
 */
export function configEntries(config: Readonly<Record<string, unknown>>): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(config)) {
    if (value === null || value === undefined) continue;
    out.push([key, String(value)]);
  }
  return out;
}

/**
 * Writes a config as properties text, sorted by key, non-null values only: the body of
 * GET_NAMESRV_CONFIG / GET_BROKER_CONFIG and the content of a persisted config file
 * (`shared/spec/config.md` §5).
 *
 * @param config the config object
 * @param extra further entries (e.g. unknown keys from the startup file); config values win
 * @returns `key=value\n` lines
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configToProperties } from "./config_loader.ts";
 * assert.equal(configToProperties({ listenPort: 9876, orderMessageEnable: false, rocketmqHome: undefined }),
 *   "listenPort=9876\norderMessageEnable=false\n");
 * ```
 */
export function configToProperties(
  config: Readonly<Record<string, unknown>>,
  extra: Iterable<readonly [string, string]> = [],
): string {
  const merged = new Map<string, string>(extra);
  for (const [key, value] of configEntries(config)) merged.set(key, value);
  return stringifyProperties(merged);
}
