/**
 * RocketMQ `LanguageCode`: the sender's language, one byte in ROCKETMQ headers and an enum name in JSON
 * headers (`shared/spec/remoting.md` §5). The byte is the ordinal in {@linkcode LANGUAGE_CODES}.
 *
 * @module
 */

/** Language names by ordinal: index = byte value on the wire (NODE_JS exists only in 5.x). */
export const LANGUAGE_CODES = [
  "JAVA",
  "CPP",
  "DOTNET",
  "PYTHON",
  "DELPHI",
  "ERLANG",
  "RUBY",
  "OTHER",
  "HTTP",
  "GO",
  "PHP",
  "OMS",
  "RUST",
  "NODE_JS",
] as const;

/** One of RocketMQ's language names. */
export type LanguageCode = typeof LANGUAGE_CODES[number];

/** Ordinal of "OTHER": what an unknown language name or byte maps to. */
export const LANGUAGE_OTHER_BYTE = 7;

/**
 * The language EdgeMQ puts on the commands it creates. EdgeMQ is not one of RocketMQ's languages, and
 * no RocketMQ server or client branches on the peer's language (it is only recorded and displayed by
 * consumerConnection / producerConnection), so we say "OTHER" rather than pretend to be Java. "OTHER"
 * exists in every RocketMQ version (4.x decodes an unknown byte or name to null), unlike NODE_JS.
 */
export const LANGUAGE_DEFAULT: LanguageCode = "OTHER";

const BYTE_BY_NAME: ReadonlyMap<string, number> = new Map(
  LANGUAGE_CODES.map((name, ordinal) => [name, ordinal]),
);

/**
 * Returns the wire byte of a language name.
 *
 * @param name a language name such as "JAVA"
 * @returns the ordinal; an unknown name gives 7 (OTHER)
 * @example
 * ```ts
 * import { languageToByte } from "./language_code.ts";
 * if (languageToByte("GO") !== 9) throw new Error("GO is 9");
 * ```
 */
export function languageToByte(name: string): number {
  return BYTE_BY_NAME.get(name) ?? LANGUAGE_OTHER_BYTE;
}

/**
 * Returns the language name of a wire byte.
 *
 * @param b the byte (0..255)
 * @returns the name; an unknown byte gives "OTHER" (Java decodes it to null)
 * @example
 * ```ts
 * import { languageFromByte } from "./language_code.ts";
 * if (languageFromByte(0) !== "JAVA") throw new Error("0 is JAVA");
 * if (languageFromByte(200) !== "OTHER") throw new Error("unknown is OTHER");
 * ```
 */
export function languageFromByte(b: number): LanguageCode {
  return LANGUAGE_CODES[b] ?? "OTHER";
}

/**
 * Returns the language name for a name that came off the wire, mapping unknown names to "OTHER".
 *
 * @param name the received name
 * @returns a known language name
 */
export function languageFromName(name: string): LanguageCode {
  const ordinal = BYTE_BY_NAME.get(name);
  return ordinal === undefined ? "OTHER" : LANGUAGE_CODES[ordinal];
}
