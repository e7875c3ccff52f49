/**
 * The broker's traffic statistics: per-topic and per-group message and byte counters, the TPS texts
 * of GET_BROKER_RUNTIME_INFO, the daily totals (`shared/spec/config.md` §5) and the minute, hour
 * and day history of VIEW_BROKER_STATS_DATA.
 *
 * @module
 */
export * from "./broker_stats.ts";
export * from "./limits.ts";
export * from "./stats_history.ts";
