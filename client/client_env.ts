/**
 * What the client needs from its process and host, injected so the core never touches `Deno.*`:
 * the process id and a nanosecond clock (RocketMQ's `<pid>#<nanoTime>` instance name), the host's
 * addresses (the default `clientIP`), environment variables and Java-style system properties
 * (`rocketmq.client.name`, `rocketmq.serialize.type`, `com.rocketmq.sendMessageWithVIPChannel`).
 * The Deno implementation is `adapters/deno_client_env.ts`.
 *
 * @module
 */

/**
 * One address of a network interface.
 *
 * @example
 * ```ts
 * import { chooseLocalAddress, type NetworkAddress } from "./client_env.ts";
 * const addresses: NetworkAddress[] = [{ address: "fe80::1", family: "IPv6" }];
 * if (chooseLocalAddress(addresses) !== "[fe80::1]") throw new Error("IPv6 is bracketed");
 * ```
 */
export interface NetworkAddress {
  /** the IP text, e.g. "192.168.1.20" or "fe80::1" */
  readonly address: string;
  /** address family */
  readonly family: "IPv4" | "IPv6";
}

/**
 * The process and host facts the client reads.
 *
 * @example
 * ```ts
 * import type { ClientEnv } from "./client_env.ts";
 * const env: ClientEnv = {
 *   pid: 1234, nanoTime: () => 1n, networkAddresses: () => [],
 *   getEnv: (name) => name === "NAMESRV_ADDR" ? "127.0.0.1:9876" : undefined,
 *   systemProperty: () => undefined,
 * };
 * if (env.getEnv("NAMESRV_ADDR") !== "127.0.0.1:9876") throw new Error();
 * ```
 */
export interface ClientEnv {
  /** the process id (RocketMQ `UtilAll.getPid()`) */
  readonly pid: number;
  /**
   * A monotonic nanosecond counter with an arbitrary origin (Java `System.nanoTime()`).
   *
   * @returns nanoseconds
   */
  nanoTime(): bigint;
  /**
   * The host's interface addresses, loopback included; empty when they cannot be read.
   *
   * @returns every address of every interface
   */
  networkAddresses(): readonly NetworkAddress[];
  /**
   * An environment variable, e.g. `ROCKETMQ_SERIALIZE_TYPE`.
   *
   * @param name the variable
   * @returns its value, or undefined when unset or unreadable
   */
  getEnv(name: string): string | undefined;
  /**
   * A Java-style system property, e.g. `rocketmq.client.name`; Deno has none, so the Deno
   * environment answers undefined unless given a table.
   *
   * @param name the property
   * @returns its value, or undefined
   */
  systemProperty(name: string): string | undefined;
}

const PRIVATE_V4 = [/^10\./, /^172\.(1[6-9]|2\d|3[01])\./, /^192\.168\./];

function isLoopback(a: NetworkAddress): boolean {
  if (a.family === "IPv4") return a.address.startsWith("127.");
  return a.address === "::1" || a.address === "0:0:0:0:0:0:0:1";
}

function isInternal(a: NetworkAddress): boolean {
  if (a.family === "IPv4") return PRIVATE_V4.some((re) => re.test(a.address));
  const lower = a.address.toLowerCase();
  return lower.startsWith("fe80:") || lower.startsWith("fec0:") || lower.startsWith("fc") ||
    lower.startsWith("fd");
}

/**
 * Picks the client IP as RocketMQ's `NetworkUtil.getLocalAddress` does: non-loopback, IPv4 before
 * IPv6, a public address before an internal one (10/8, 172.16/12, 192.168/16; IPv6 link- and
 * site-local); otherwise the last IPv4 or first IPv6 seen; `127.0.0.1` when there is none. IPv6
 * results are bracketed, as RocketMQ normalizes them.
 *
 * @param addresses the host's interface addresses
 * @returns the address to use as `clientIP`
 * @example
 * ```ts
 * import { chooseLocalAddress } from "./client_env.ts";
 * const ip = chooseLocalAddress([
 *   { address: "127.0.0.1", family: "IPv4" },
 *   { address: "192.168.1.20", family: "IPv4" },
 * ]);
 * if (ip !== "192.168.1.20") throw new Error(ip);
 * ```
 */
export function chooseLocalAddress(addresses: readonly NetworkAddress[]): string {
  const v4 = addresses.filter((a) => a.family === "IPv4" && !isLoopback(a));
  const v6 = addresses.filter((a) => a.family === "IPv6" && !isLoopback(a));
  if (v4.length > 0) return (v4.find((a) => !isInternal(a)) ?? v4[v4.length - 1]).address;
  if (v6.length > 0) return `[${(v6.find((a) => !isInternal(a)) ?? v6[0]).address}]`;
  return "127.0.0.1";
}

/**
 * A fixed environment for tests and embedders: no interfaces unless given, no variables unless
 * given.
 *
 * @param facts the values to answer with
 * @returns the environment
 * @example
 * ```ts
 * import { staticClientEnv } from "./client_env.ts";
 * const env = staticClientEnv({ pid: 4242 });
 * if (env.pid !== 4242 || env.getEnv("HOME") !== undefined) throw new Error();
 * ```
 */
export function staticClientEnv(facts: {
  pid: number;
  nanoTime?: bigint;
  addresses?: readonly NetworkAddress[];
  env?: Readonly<Record<string, string>>;
  properties?: Readonly<Record<string, string>>;
}): ClientEnv {
  let nanos = facts.nanoTime ?? 1_000_000_000n;
  return {
    pid: facts.pid,
    nanoTime: () => nanos++,
    networkAddresses: () => facts.addresses ?? [],
    getEnv: (name) => facts.env?.[name],
    systemProperty: (name) => facts.properties?.[name],
  };
}
