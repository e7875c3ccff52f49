/**
 * The broker's traffic statistics: per-topic and per-group message and byte counters, the TPS texts
 * of GET_BROKER_RUNTIME_INFO and the daily totals (`shared/spec/config.md` §5).
 *
 * @module
 */
export * from "./broker_stats.ts";
export * from "./limits.ts";
