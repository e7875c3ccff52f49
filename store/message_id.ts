/**
 * Host addresses as stored in records (BORNHOST / STOREHOST) and RocketMQ's offset message id
 * (message-format.md §6): `address bytes ‖ int32 port ‖ int64 physical offset` in upper-case hex.
 *
 * @module
 */

/** An IPv4 (4 address bytes) or IPv6 (16 bytes) socket address, as records store it. */
export interface HostAddress {
  /** 4 bytes for IPv4, 16 for IPv6 */
  readonly address: Uint8Array;
  /** TCP port */
  readonly port: number;
}

/** Thrown when an IP address or message id cannot be parsed. */
export class InvalidAddressError extends Error {
  /** @param message what was wrong */
  constructor(message: string) {
    super(message);
    this.name = "InvalidAddressError";
  }
}

/**
 * Builds a {@linkcode HostAddress} from IP text (dotted IPv4, IPv6 with `::`, or IPv4-mapped, which
 * becomes the IPv4 address).
 * @param ip e.g. "10.0.0.1" or "::1" (brackets allowed)
 * @param port TCP port
 * @throws {InvalidAddressError} when `ip` is not an IP address
 * @example
 * ```ts
 * import { hostAddress } from "./message_id.ts";
 * console.assert(hostAddress("192.168.1.10", 10911).address.length === 4);
 * ```
 */
export function hostAddress(ip: string, port: number): HostAddress {
  if (!Number.isInteger(port) || port < 0 || port > 0xFFFF) {
    throw new InvalidAddressError(`Cannot use port ${port}: expected 0..65535`);
  }
  const text = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  const v4 = parseIpv4(text);
  if (v4) return { address: v4, port };
  const v6 = parseIpv6(text);
  // An IPv4-mapped address (a dual-stack socket's IPv4 peer) is that IPv4 address, as Java's
  // InetAddress has it: 4 bytes in BORNHOST/STOREHOST and no IPv6 sysFlag bit.
  if (v6 && v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) {
    return { address: v6.slice(12), port };
  }
  if (v6) return { address: v6, port };
  throw new InvalidAddressError(`Cannot parse IP address ${JSON.stringify(ip)}`);
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const value = Number(parts[i]);
    if (value > 255) return null;
    out[i] = value;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  const zone = text.indexOf("%");
  const body = zone >= 0 ? text.slice(0, zone) : text;
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string) => half === "" ? [] : half.split(":");
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const words: number[] = [];
  const pushGroups = (list: string[]): boolean => {
    for (let i = 0; i < list.length; i++) {
      const group = list[i];
      if (i === list.length - 1 && group.includes(".")) {
        const v4 = parseIpv4(group);
        if (!v4) return false;
        words.push(v4[0] << 8 | v4[1], v4[2] << 8 | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return false;
        words.push(parseInt(group, 16));
      }
    }
    return true;
  };
  if (!pushGroups(head)) return null;
  const headWords = words.length;
  if (!pushGroups(tail)) return null;
  const missing = 8 - words.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [
    ...words.slice(0, headWords),
    ...new Array(missing).fill(0),
    ...words.slice(headWords),
  ];
  const out = new Uint8Array(16);
  all.forEach((word, i) => {
    out[i * 2] = word >> 8;
    out[i * 2 + 1] = word & 0xff;
  });
  return out;
}

/**
 * Renders a host as `ip:port` (IPv6 without `::` compression, like Java's `InetAddress`).
 * @param host the address
 * @returns e.g. "10.0.0.1:10911"
 */
export function formatHostAddress(host: HostAddress): string {
  const a = host.address;
  if (a.length === 4) return `${a[0]}.${a[1]}.${a[2]}.${a[3]}:${host.port}`;
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((a[i] << 8) | a[i + 1]).toString(16));
  return `${words.join(":")}:${host.port}`;
}

const HEX = "0123456789ABCDEF";

/**
 * The offset message id of a record (message-format.md §6), upper-case hex.
 * @param storeHostBytes 4 or 16 address bytes of the broker
 * @param port the broker's main listen port
 * @param physicalOffset the record's commit-log offset
 * @returns 32 hex chars for IPv4, 56 for IPv6
 * @example
 * ```ts
 * import { createOffsetMessageId } from "./message_id.ts";
 * const id = createOffsetMessageId(new Uint8Array([192, 168, 1, 10]), 10911, 1048576);
 * console.assert(id === "C0A8010A00002A9F0000000000100000");
 * ```
 */
export function createOffsetMessageId(
  storeHostBytes: Uint8Array,
  port: number,
  physicalOffset: number,
): string {
  return hostPrefix(storeHostBytes, port) + hex64(physicalOffset);
}

/** Two upper-case hex digits of each byte value. */
const BYTE_HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, b) => HEX[b >> 4] + HEX[b & 15],
);

/** The last host prefix made: a broker makes every id with one store host. */
let lastPrefix = { address: new Uint8Array(0), port: -1, text: "" };

/** Hex of the address bytes and the port, the first 16 (IPv4) or 40 (IPv6) chars of an id. */
function hostPrefix(address: Uint8Array, port: number): string {
  const last = lastPrefix;
  if (last.port === port && sameBytes(last.address, address)) return last.text;
  const text = hexBytes(address) + hex32(port);
  lastPrefix = { address: address.slice(), port, text };
  return text;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Upper-case hex of bytes, two digits each (message ids' address parts).
 * @param bytes the bytes
 * @returns `2 × bytes.length` hex digits
 * @example
 * ```ts
 * import { hexBytes } from "./message_id.ts";
 * console.assert(hexBytes(new Uint8Array([127, 0, 0, 1])) === "7F000001");
 * ```
 */
export function hexBytes(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += BYTE_HEX[bytes[i]];
  return text;
}

/**
 * The low 16 bits of `value` as 4 upper-case hex digits.
 * @param value an integer
 * @returns 4 hex digits
 */
export function hex16(value: number): string {
  return BYTE_HEX[(value >>> 8) & 255] + BYTE_HEX[value & 255];
}

/**
 * `value` as a 32-bit two's-complement int in 8 upper-case hex digits.
 * @param value an integer
 * @returns 8 hex digits
 * @example
 * ```ts
 * import { hex32 } from "./message_id.ts";
 * console.assert(hex32(10911) === "00002A9F" && hex32(-1) === "FFFFFFFF");
 * ```
 */
export function hex32(value: number): string {
  return BYTE_HEX[value >>> 24] + BYTE_HEX[(value >>> 16) & 255] + BYTE_HEX[(value >>> 8) & 255] +
    BYTE_HEX[value & 255];
}

/**
 * A non-negative integer below 2^53 in 16 upper-case hex digits (an id's physical offset).
 * @param value the integer
 * @returns 16 hex digits
 */
export function hex64(value: number): string {
  return hex32(Math.floor(value / 0x1_0000_0000)) + hex32(value >>> 0);
}

/** What an offset message id holds. */
export interface OffsetMessageId {
  /** the broker's address and port */
  readonly host: HostAddress;
  /** commit-log offset of the record */
  readonly physicalOffset: number;
}

/**
 * Parses an offset message id (message-format.md §6); 32 chars ⇒ IPv4, 56 ⇒ IPv6.
 * @param id the hex id (either case)
 * @returns host and physical offset
 * @throws {InvalidAddressError} when the id has another length or non-hex characters
 */
export function decodeOffsetMessageId(id: string): OffsetMessageId {
  const addressBytes = id.length === 32 ? 4 : id.length === 56 ? 16 : -1;
  if (addressBytes < 0 || !/^[0-9a-fA-F]+$/.test(id)) {
    throw new InvalidAddressError(
      `Cannot decode message id ${JSON.stringify(id)}: expected 32 or 56 hex characters`,
    );
  }
  const address = new Uint8Array(addressBytes);
  for (let i = 0; i < addressBytes; i++) address[i] = parseInt(id.slice(i * 2, i * 2 + 2), 16);
  const rest = id.slice(addressBytes * 2);
  const port = parseInt(rest.slice(0, 8), 16);
  const physicalOffset = parseInt(rest.slice(8, 16), 16) * 0x1_0000_0000 +
    parseInt(rest.slice(16, 24), 16);
  return { host: { address, port }, physicalOffset };
}
