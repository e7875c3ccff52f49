/**
 * Choice of the header serialization for commands we originate, as RocketMQ's Java client chooses it
 * (`shared/spec/remoting.md` §1): the JVM property `rocketmq.serialize.type`, else the environment
 * variable `ROCKETMQ_SERIALIZE_TYPE`, else JSON. Responses never use this: they are encoded in the type
 * their request arrived in (see `createResponse`).
 *
 * @module
 */

import type { SerializeType } from "./remoting_command.ts";

/** Name of the setting, as in RocketMQ. */
export const SERIALIZE_TYPE_PROPERTY = "rocketmq.serialize.type";
/** Name of the environment variable, as in RocketMQ. */
export const SERIALIZE_TYPE_ENV = "ROCKETMQ_SERIALIZE_TYPE";

/** Sources of {@linkcode resolveSerializeType}; the caller reads them (core code has no Deno.env). */
export interface SerializeTypeSources {
  /** value of the `rocketmq.serialize.type` setting, if set */
  property?: string;
  /** value of the `ROCKETMQ_SERIALIZE_TYPE` environment variable, if set */
  env?: string;
}

/**
 * Resolves the serialize type: the setting wins over the environment; default JSON. Values are
 * RocketMQ's enum names, "JSON" or "ROCKETMQ" (case-insensitive, surrounding blanks ignored); an empty
 * value counts as unset.
 *
 * @param sources the setting and environment values
 * @returns the serialize type
 * @throws {RangeError} naming the key and the expected values when a value is not JSON or ROCKETMQ
 * @example
 * ```ts
 * import { resolveSerializeType } from "./serialize_type.ts";
 * if (resolveSerializeType({ property: "ROCKETMQ", env: "JSON" }) !== "ROCKETMQ") throw new Error();
 * if (resolveSerializeType({}) !== "JSON") throw new Error();
 * ```
 */
export function resolveSerializeType(sources: SerializeTypeSources = {}): SerializeType {
  const fromProperty = parse(sources.property, SERIALIZE_TYPE_PROPERTY);
  if (fromProperty !== undefined) return fromProperty;
  return parse(sources.env, SERIALIZE_TYPE_ENV) ?? "JSON";
}

function parse(value: string | undefined, key: string): SerializeType | undefined {
  if (value === undefined) return undefined;
  const name = value.trim().toUpperCase();
  if (name === "") return undefined;
  if (name === "JSON" || name === "ROCKETMQ") return name;
  throw new RangeError(
    `Cannot use ${key}=${JSON.stringify(value)}: expected JSON or ROCKETMQ`,
  );
}
