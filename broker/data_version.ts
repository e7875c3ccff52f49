/**
 * RocketMQ `DataVersion` (bodies.md §2): a counter and a timestamp bumped on every change of a
 * metadata table, sent with REGISTER_BROKER / QUERY_DATA_VERSION so name servers and slaves can
 * tell whether the table changed. 5.x adds `stateVersion`, kept when read and written back.
 *
 * @module
 */
import { z } from "zod";

/** A table version; equal iff every field is equal. */
export interface DataVersion {
  /** number of changes since the table was made */
  readonly counter: number;
  /** ms since the epoch of the last change */
  readonly timestamp: number;
  /** 5.x state-machine version, only when a 5.x broker wrote it */
  readonly stateVersion?: number;
}

/** Parses a DataVersion from JSON (metadata files, wire bodies); unknown fields are dropped. */
export const dataVersionSchema: z.ZodType<DataVersion> = z.object({
  counter: z.number().int(),
  timestamp: z.number().int(),
  stateVersion: z.number().int().optional(),
});

/**
 * @param nowMs the creation time
 * @returns a new table's version: counter 0, timestamp now (RocketMQ `new DataVersion()`)
 */
export function initialDataVersion(nowMs: number): DataVersion {
  return { counter: 0, timestamp: nowMs };
}

/**
 * The version after one more change (RocketMQ `DataVersion.nextVersion`).
 *
 * @param version the current version
 * @param nowMs the time of the change
 * @returns counter + 1, timestamp = now, stateVersion kept
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextDataVersion } from "./data_version.ts";
 * assert.deepEqual(nextDataVersion({ counter: 2, timestamp: 1 }, 5), { counter: 3, timestamp: 5 });
 * ```
 */
export function nextDataVersion(version: DataVersion, nowMs: number): DataVersion {
  const next: { counter: number; timestamp: number; stateVersion?: number } = {
    counter: version.counter + 1,
    timestamp: nowMs,
  };
  if (version.stateVersion !== undefined) next.stateVersion = version.stateVersion;
  return next;
}

/**
 * @returns the version as RocketMQ writes it: properties in alphabetical order, stateVersion only
 *   when present
 * @param version the version
 */
export function dataVersionToJson(version: DataVersion): Record<string, number> {
  const out: Record<string, number> = { counter: version.counter };
  if (version.stateVersion !== undefined) out.stateVersion = version.stateVersion;
  out.timestamp = version.timestamp;
  return out;
}
