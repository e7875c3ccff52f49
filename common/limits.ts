/**
 * Named maxima of the code the name server and the broker share, each with the reason for its
 * value (STYLE.md, "Limits").
 *
 * @module
 */

/**
 * Unknown config keys named one by one in the warnings of one load or update; the rest are
 * counted in one more line. A config file has a handful of typos, but an UPDATE_*_CONFIG body of
 * 16 MiB can carry half a million keys: their warnings would flood the log and, joined into the
 * response remark, outgrow the 16 MiB header limit, so an update that was applied and persisted
 * would be answered SYSTEM_ERROR.
 */
export const CONFIG_UNKNOWN_KEY_WARNINGS_MAX = 64;

/**
 * Deepest nesting of objects and arrays accepted in a JSON request body (REGISTER_BROKER,
 * HEART_BEAT, admin bodies) or metadata file. RocketMQ's bodies nest at most about 7 levels (a
 * RegisterBrokerBody's static-topic mappings); a peer nesting millions deep holds the event loop
 * every connection shares for over a second per frame in JSON.parse, so the text is refused before
 * it is parsed. The same bound as fastjson writing (store FASTJSON_DEPTH_MAX).
 */
export const JSON_BODY_DEPTH_MAX = 64;
