/**
 * Reads JSON as RocketMQ's fastjson writes it (`shared/spec/bodies.md` §0): standard JSON plus
 * unquoted integer map keys (`{0:"10.0.0.1:10911"}`) and bare-object map keys
 * (`{{"brokerName":"b","queueId":0,"topic":"T"}:{…}}`). Every key comes back as a string: an
 * integer key as its decimal text, an object key as its JSON text, so callers parse both forms
 * (the quoted JSON-string keys of standard writers and the bare ones) the same way. Shared by
 * the client and the broker, which both read bodies peers wrote with fastjson.
 *
 * @module
 */

import { JSON_BODY_DEPTH_MAX } from "./limits.ts";

/** Thrown when a body is neither JSON nor fastjson's form of it. */
export class FastjsonReadError extends Error {
  /** @param message what is wrong and where */
  constructor(message: string) {
    super(message);
    this.name = "FastjsonReadError";
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

class Reader {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parse(): unknown {
    const value = this.#value(0);
    this.#skip();
    if (this.#at !== this.#text.length) this.#fail("unexpected text after the value");
    return value;
  }

  #fail(what: string): never {
    throw new FastjsonReadError(`Cannot read JSON at ${this.#at}: ${what}`);
  }

  #skip(): void {
    const t = this.#text;
    while (this.#at < t.length) {
      const c = t.charCodeAt(this.#at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.#at++;
    }
  }

  #value(depth: number): unknown {
    if (depth > JSON_BODY_DEPTH_MAX) this.#fail(`nesting deeper than ${JSON_BODY_DEPTH_MAX}`);
    this.#skip();
    const c = this.#text[this.#at];
    if (c === "{") return this.#object(depth);
    if (c === "[") return this.#array(depth);
    if (c === '"') return this.#string();
    return this.#scalar();
  }

  #scalar(): unknown {
    NUMBER.lastIndex = this.#at;
    const number = NUMBER.exec(this.#text);
    if (number !== null) {
      this.#at += number[0].length;
      return Number(number[0]);
    }
    LITERAL.lastIndex = this.#at;
    const literal = LITERAL.exec(this.#text);
    if (literal === null) this.#fail("expected a value");
    this.#at += literal[0].length;
    return literal[0] === "true" ? true : literal[0] === "false" ? false : null;
  }

  #string(): string {
    const t = this.#text;
    const start = this.#at;
    let i = start + 1;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c === 0x5c) i += 2;
      else if (c === 0x22) break;
      else i++;
    }
    if (i >= t.length) this.#fail("unterminated string");
    this.#at = i + 1;
    try {
      return JSON.parse(t.slice(start, i + 1)) as string;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return this.#fail(`bad string: ${error.message}`);
    }
  }

  #key(depth: number): string {
    this.#skip();
    const c = this.#text[this.#at];
    if (c === '"') return this.#string();
    if (c === "{" || c === "[") return JSON.stringify(this.#value(depth + 1));
    const value = this.#scalar();
    if (typeof value !== "number") this.#fail("expected a key");
    return String(value);
  }

  #object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.#at++;
    this.#skip();
    if (this.#text[this.#at] === "}") {
      this.#at++;
      return out;
    }
    while (true) {
      const key = this.#key(depth);
      this.#skip();
      if (this.#text[this.#at] !== ":") this.#fail("expected ':'");
      this.#at++;
      Object.defineProperty(out, key, {
        value: this.#value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.#skip();
      const next = this.#text[this.#at++];
      if (next === "}") return out;
      if (next !== ",") this.#fail("expected ',' or '}'");
    }
  }

  #array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.#at++;
    this.#skip();
    if (this.#text[this.#at] === "]") {
      this.#at++;
      return out;
    }
    while (true) {
      out.push(this.#value(depth + 1));
      this.#skip();
      const next = this.#text[this.#at++];
      if (next === "]") return out;
      if (next !== ",") this.#fail("expected ',' or ']'");
    }
  }
}

const utf8 = new TextDecoder();

/**
 * Parses fastjson text.
 *
 * @param input the text or its UTF-8 bytes
 * @returns the value; every object key a string
 * @throws {FastjsonReadError} naming the position of the first problem
 */
export function readFastjson(input: string | Uint8Array): unknown {
  const text = typeof input === "string" ? input : utf8.decode(input);
  return new Reader(text).parse();
}
