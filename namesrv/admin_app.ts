/**
 * The name server's HTTP admin API (Hono), served on `httpAdminPort`. It reads and writes the
 * same state as the wire commands: the route registry, the KV store and the running config.
 * JSON in and out; request bodies validated with zod; errors as `{"error": …}` with a fitting
 * status (400 bad input, 403 blacklisted key, 404 unknown, 413 body too large).
 *
 * | route | does |
 * |---|---|
 * | `GET /health` | liveness plus counts |
 * | `GET /config`, `PATCH /config` | effective config; update (as UPDATE_NAMESRV_CONFIG) |
 * | `GET /cluster` | clusters, broker groups, live brokers |
 * | `GET /topics[?cluster=c]` | topic names |
 * | `GET /topics/:topic/route` | the route, as GET_ROUTEINFO_BY_TOPIC returns it (standard JSON) |
 * | `GET /kv/:namespace` | a namespace's pairs |
 * | `GET`, `PUT`, `DELETE /kv/:namespace/:key` | one KV entry (`PUT` body `{"value": "…"}`) |
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { ConfigError } from "../common/config_loader.ts";
import { isBodyReadError } from "../common/http_errors.ts";
import { clusterView, configView } from "./_admin_views.ts";
import { KvConfigLimitError } from "./kv_config_manager.ts";
import { HTTP_BODY_BYTES_MAX, KV_TEXT_CHARS_MAX, TOPIC_NAME_CHARS_MAX } from "./limits.ts";
import { NAMESRV_CONFIG_KEYS } from "./namesrv_config.ts";
import { ConfigBlackListError } from "./namesrv_configuration.ts";
import type { NamesrvContext } from "./processors/namesrv_context.ts";
import { topicNotExistRemark } from "./processors/route_processor.ts";
import { getAllTopicList, getTopicsByCluster } from "./route_queries.ts";

/** Thrown inside handlers for a client error; turned into `{"error": message}` with `status`. */
class HttpError extends Error {
  constructor(readonly status: 400 | 403 | 404 | 413, message: string, readonly details?: unknown) {
    super(message);
    this.name = "HttpError";
  }
}

const configPatchSchema = z.record(
  z.string().min(1),
  z.union([z.string(), z.number(), z.boolean()]),
)
  .refine((patch) => Object.keys(patch).length > 0, { message: "at least one key is required" });

const kvPutSchema = z.strictObject({ value: z.string().max(KV_TEXT_CHARS_MAX) });

const TOPIC_NAME = /^[A-Za-z0-9_%|-]+$/;

/** Reads and validates a JSON body; 400 naming the field on failure. */
async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let value: unknown;
  try {
    value = JSON.parse(await c.req.text());
  } catch (error) {
    throw new HttpError(400, `Request body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length > 0 ? `field ${issue.path.join(".")}` : "body";
  throw new HttpError(400, `Invalid request body: ${where}: ${issue.message}`, parsed.error.issues);
}

function checkTopic(topic: string): string {
  if (topic.length > TOPIC_NAME_CHARS_MAX || !TOPIC_NAME.test(topic)) {
    throw new HttpError(
      400,
      `Invalid topic ${
        JSON.stringify(topic.slice(0, 300))
      }: expected 1 to ${TOPIC_NAME_CHARS_MAX} of [A-Za-z0-9_%|-]`,
    );
  }
  return topic;
}

/** Maps thrown errors to JSON responses; unexpected ones are 500 and logged. */
function onError(ctx: NamesrvContext, error: Error, c: Context): Response {
  if (error instanceof HttpError) {
    return c.json(
      { error: error.message, ...(error.details ? { issues: error.details } : {}) },
      error.status,
    );
  }
  if (error instanceof ConfigError) {
    return c.json({ error: error.message, issues: error.issues }, 400);
  }
  if (error instanceof ConfigBlackListError) {
    return c.json({ error: error.message, keys: error.keys }, 403);
  }
  if (error instanceof KvConfigLimitError) return c.json({ error: error.message }, 400);
  if (isBodyReadError(error)) { // a body the client cut short: its fault, not the server's
    return c.json({ error: `Cannot read the request body: ${error.message}` }, 400);
  }
  ctx.logger.error(
    `HTTP admin ${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}`,
  );
  return c.json({ error: `Internal error: ${error.message}` }, 500);
}

function registerConfigRoutes(app: Hono, ctx: NamesrvContext): void {
  app.get("/config", (c) => c.json(configView(ctx.configuration.config)));
  app.patch("/config", async (c) => {
    const patch = await jsonBody(c, configPatchSchema);
    const unknown = Object.keys(patch).filter((k) => !NAMESRV_CONFIG_KEYS.includes(k));
    if (unknown.length > 0) throw new HttpError(400, `Unknown config key ${unknown.join(", ")}`);
    const entries = Object.entries(patch).map(([k, v]) => [k, String(v)] as [string, string]);
    const { warnings, appliedKeys } = await ctx.configuration.update(entries);
    return c.json({ applied: appliedKeys, warnings, config: configView(ctx.configuration.config) });
  });
}

function registerRouteRoutes(app: Hono, ctx: NamesrvContext): void {
  app.get("/cluster", (c) => {
    const timeoutMs = ctx.configuration.config.brokerChannelExpiredTime;
    return c.json(clusterView(ctx.routeInfoManager, timeoutMs));
  });
  app.get("/topics", (c) => {
    const cluster = c.req.query("cluster");
    const tables = ctx.routeInfoManager.tables;
    return c.json(
      cluster === undefined ? getAllTopicList(tables) : getTopicsByCluster(tables, cluster),
    );
  });
  app.get("/topics/:topic/route", (c) => {
    const topic = checkTopic(c.req.param("topic"));
    const body = ctx.routeBodyCache.routeBody(topic, "standard");
    if (body === undefined) throw new HttpError(404, topicNotExistRemark(topic));
    return c.body(body.slice(), 200, { "content-type": "application/json; charset=UTF-8" });
  });
}

function registerKvRoutes(app: Hono, ctx: NamesrvContext): void {
  const kv = ctx.kvConfigManager;
  app.get("/kv/:namespace", (c) => {
    const namespace = c.req.param("namespace");
    const table = kv.getKVListByNamespace(namespace);
    if (table === undefined) throw new HttpError(404, `No config item, Namespace: ${namespace}`);
    return c.json({ namespace, table: Object.fromEntries(table) });
  });
  app.get("/kv/:namespace/:key", (c) => {
    const { namespace, key } = c.req.param();
    const value = kv.getKVConfig(namespace, key);
    if (value === undefined) {
      throw new HttpError(404, `No config item, Namespace: ${namespace} Key: ${key}`);
    }
    return c.json({ namespace, key, value });
  });
  app.put("/kv/:namespace/:key", async (c) => {
    const { namespace, key } = c.req.param();
    const { value } = await jsonBody(c, kvPutSchema);
    await kv.putKVConfig(namespace, key, value);
    return c.json({ namespace, key, value });
  });
  app.delete("/kv/:namespace/:key", async (c) => {
    const { namespace, key } = c.req.param();
    if (!await kv.deleteKVConfig(namespace, key)) {
      throw new HttpError(404, `No config item, Namespace: ${namespace} Key: ${key}`);
    }
    return c.json({ namespace, key, deleted: true });
  });
}

/**
 * Builds the admin app over the name server's shared state.
 *
 * @param ctx the same state the remoting processors use
 * @returns the Hono app (serve it with `Deno.serve(app.fetch)` or test it with `app.request()`)
 * @example
 * ```ts
 * import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
 * import { MemoryFileSystem } from "../store/adapters/memory_file_system.ts";
 * import { createAdminApp } from "./admin_app.ts";
 * import { loadNamesrvConfig } from "./namesrv_config.ts";
 * import { NamesrvController } from "./namesrv_controller.ts";
 * const env = { home: "/tmp/mq" };
 * const { config } = loadNamesrvConfig({}, env);
 * const namesrv = new NamesrvController({ config, env, fs: new MemoryFileSystem(), transport: new DenoTcpTransport() });
 * const res = await createAdminApp(namesrv.context).request("/health");
 * if ((await res.json()).status !== "UP") throw new Error("healthy");
 * ```
 */
export function createAdminApp(ctx: NamesrvContext): Hono {
  const app = new Hono();
  app.use(
    "*",
    bodyLimit({
      maxSize: HTTP_BODY_BYTES_MAX,
      onError: (c) => c.json({ error: `Request body exceeds ${HTTP_BODY_BYTES_MAX} bytes` }, 413),
    }),
  );
  app.get("/health", (c) => {
    const tables = ctx.routeInfoManager.tables;
    return c.json({
      status: "UP",
      uptimeMs: ctx.clock.now() - ctx.startTimeMs,
      brokers: tables.brokerLiveTable.size,
      topics: tables.topicQueueTable.size,
    });
  });
  registerConfigRoutes(app, ctx);
  registerRouteRoutes(app, ctx);
  registerKvRoutes(app, ctx);
  app.notFound((c) => c.json({ error: `No route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => onError(ctx, error, c));
  return app;
}
