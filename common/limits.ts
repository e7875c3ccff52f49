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
