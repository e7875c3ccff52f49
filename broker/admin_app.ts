/**
 * The broker's HTTP admin API (Hono), served on `httpAdminPort` (default 10880). It reads and writes
 * the same state as the wire admin commands, through the same operations. JSON in (validated with
 * zod) and out; errors as `{"error": …}` with `field` and `expected` for bad input (400), 403 for a
 * blacklisted config key, 404 for unknown topics, groups and messages, 413 for a body too large.
 *
 * | route | does |
 * |---|---|
 * | `GET /health` | liveness and identity |
 * | `GET /config`, `PATCH /config` | the configuration; update (as UPDATE_BROKER_CONFIG, persisted) |
 * | `GET /topics`, `POST /topics` | topic configs; create or update (as UPDATE_AND_CREATE_TOPIC) |
 * | `GET`, `DELETE /topics/:topic` | one topic; delete it with its queues and offsets |
 * | `GET /topics/:topic/stats` | per queue: min, max, last store time |
 * | `POST /topics/:topic/messages` | produce one message (as SEND_MESSAGE) |
 * | `GET /groups`, `POST /groups`, `DELETE /groups/:group` | group settings and liveness |
 * | `GET /groups/:group/progress[?topic=]` | per queue: broker offset, consumer offset, lag |
 * | `GET /messages/:msgId[?bodyEncoding=]` | one message by offset message id |
 * | `GET /messages?topic=&key=[&maxNum=&begin=&end=]` | messages by key |
 * | `GET /metrics` | Prometheus text exposition |
 *
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { parseProperties } from "../common/properties.ts";
import { registerGroupRoutes } from "./admin_app_groups.ts";
import { HTTP_BODY_BYTES_MAX } from "./admin_app_limits.ts";
import { registerMessageRoutes } from "./admin_app_messages.ts";
import { errorResponse, HttpError, jsonBody } from "./admin_app_support.ts";
import { registerTopicRoutes } from "./admin_app_topics.ts";
import { BROKER_CONFIG_OBJECT_KEYS } from "./broker_config.ts";
import { BROKER_RENAMED_KEYS } from "./broker_config_schema.ts";
import { dataVersionToJson } from "./data_version.ts";
import { PROMETHEUS_CONTENT_TYPE, renderBrokerMetrics } from "./metrics.ts";
import { updateBrokerConfig } from "./processors/admin_config_operations.ts";
import type { BrokerAdminContext } from "./processors/admin_context.ts";
import { versionDesc } from "./processors/admin_runtime_info.ts";

const configPatchSchema = z.record(
  z.string().min(1, { error: "expected a config key" }),
  z.union([z.string(), z.number(), z.boolean()], {
    error: "expected a string, number or boolean value",
  }),
  { error: "expected an object of config keys and values" },
).refine((patch) => Object.keys(patch).length > 0, { error: "expected at least one config key" });

/** Every key of the four RocketMQ config objects, plus the old spellings still accepted. */
const CONFIG_KEYS: ReadonlySet<string> = new Set([
  ...Object.values(BROKER_CONFIG_OBJECT_KEYS).flat(),
  ...Object.keys(BROKER_RENAMED_KEYS),
]);

function configView(context: BrokerAdminContext) {
  return {
    version: dataVersionToJson(context.configuration.dataVersion),
    config: Object.fromEntries(parseProperties(context.configuration.toProperties())),
  };
}

function registerBrokerRoutes(app: Hono, context: BrokerAdminContext): void {
  app.get("/health", (c) => {
    const config = context.configuration.config;
    return c.json({
      status: "UP",
      brokerName: config.brokerName,
      brokerClusterName: config.brokerClusterName,
      brokerId: config.brokerId,
      brokerRole: config.brokerRole,
      brokerAddr: context.brokerAddr,
      version: versionDesc(context.brokerVersion),
      uptimeMs: Math.max(0, context.clock.now() - context.bootTimestamp),
      topics: context.topicConfigManager.topicConfigTable.size,
    });
  });

  app.get("/config", (c) => c.json(configView(context)));

  app.patch("/config", async (c) => {
    const patch = await jsonBody(c, configPatchSchema);
    const unknown = Object.keys(patch).find((key) => !CONFIG_KEYS.has(key));
    if (unknown !== undefined) {
      throw new HttpError(400, `Invalid request body: ${unknown}: expected a broker config key`, {
        field: unknown,
        expected: "a broker config key",
      });
    }
    const properties = new Map(Object.entries(patch).map(([k, v]) => [k, String(v)] as const));
    const { appliedKeys, warnings } = await updateBrokerConfig(context, properties);
    return c.json({ applied: appliedKeys, warnings, ...configView(context) });
  });

  app.get("/metrics", async (c) => {
    const text = await renderBrokerMetrics(context);
    return c.body(text, 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  });
}

/**
 * Builds the broker admin app.
 *
 * @param context the same state and services the admin request processors use
 * @returns the Hono app: serve it with `Deno.serve((req, info) => app.fetch(req, info))` (the info
 *   gives HTTP producers their born host), test it with `app.request()`
 * @example
 * ```ts ignore
 * const app = createBrokerAdminApp(controller.adminContext);
 * const response = await app.request("/health");
 * ```
 */
export function createBrokerAdminApp(context: BrokerAdminContext): Hono {
  const app = new Hono();
  app.use(
    "*",
    bodyLimit({
      maxSize: HTTP_BODY_BYTES_MAX,
      onError: (c) => c.json({ error: `Request body exceeds ${HTTP_BODY_BYTES_MAX} bytes` }, 413),
    }),
  );
  registerBrokerRoutes(app, context);
  registerTopicRoutes(app, context);
  registerGroupRoutes(app, context);
  registerMessageRoutes(app, context);
  app.notFound((c) => c.json({ error: `No route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => errorResponse(context, error, c));
  return app;
}
