import assert from "node:assert/strict";
import { z } from "zod";
import { ConfigError, configToProperties, describeExpected, loadConfig } from "./config_loader.ts";
import { parseProperties } from "./properties.ts";

const schema = z.object({
  listenPort: z.int().min(0).max(65535).default(9876),
  orderMessageEnable: z.boolean().default(false),
  productEnvName: z.string().default("center"),
  rocketmqHome: z.string().optional(),
  flushDiskType: z.enum(["ASYNC_FLUSH", "SYNC_FLUSH"]).default("ASYNC_FLUSH"),
  diskMaxUsedSpaceRatio: z.int().min(10).default(75),
  ratio: z.number().max(1).default(0.5),
  mappedFileSizeCommitLog: z.int().min(1).default(1024),
  serverSelectorThreads: z.int().min(0).default(3),
  sizeBig: z.int().default(1).describe("a size in bytes"),
});

function expectConfigError(fn: () => unknown, message: string): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConfigError, `expected ConfigError, got ${caught}`);
  assert.equal(caught.message, message);
  return caught;
}

Deno.test("loadConfig returns defaults when no properties are given", () => {
  const { config, warnings, appliedKeys } = loadConfig(schema, new Map());
  assert.equal(config.listenPort, 9876);
  assert.equal(config.orderMessageEnable, false);
  assert.equal(config.rocketmqHome, undefined);
  assert.deepEqual(warnings, []);
  assert.deepEqual(appliedKeys, []);
});

Deno.test("loadConfig converts text like RocketMQ: trimmed strings, case-free booleans, whole numbers", () => {
  const { config, appliedKeys } = loadConfig(
    schema,
    parseProperties(
      "listenPort=9877\norderMessageEnable=TRUE\nproductEnvName=  test  \nflushDiskType=SYNC_FLUSH\nratio=0.25\n",
    ),
  );
  assert.equal(config.listenPort, 9877);
  assert.equal(config.orderMessageEnable, true);
  assert.equal(config.productEnvName, "test");
  assert.equal(config.flushDiskType, "SYNC_FLUSH");
  assert.equal(config.ratio, 0.25);
  assert.deepEqual(appliedKeys, [
    "listenPort",
    "orderMessageEnable",
    "productEnvName",
    "flushDiskType",
    "ratio",
  ]);
});

Deno.test("loadConfig rejects a non-number naming key, value and expectation", () => {
  expectConfigError(
    () => loadConfig(schema, { listenPort: "abc" }),
    'Invalid value for listenPort: "abc" (expected an integer between 0 and 65535)',
  );
  expectConfigError(
    () => loadConfig(schema, { listenPort: "10911 " }),
    'Invalid value for listenPort: "10911 " (expected an integer between 0 and 65535)',
  );
  expectConfigError(
    () => loadConfig(schema, { listenPort: "1.5" }),
    'Invalid value for listenPort: "1.5" (expected an integer between 0 and 65535)',
  );
});

Deno.test("loadConfig rejects values out of the schema's bounds", () => {
  expectConfigError(
    () => loadConfig(schema, { listenPort: "70000" }),
    'Invalid value for listenPort: "70000" (expected an integer between 0 and 65535)',
  );
  expectConfigError(
    () => loadConfig(schema, { diskMaxUsedSpaceRatio: "5" }),
    'Invalid value for diskMaxUsedSpaceRatio: "5" (expected an integer >= 10)',
  );
  expectConfigError(
    () => loadConfig(schema, { ratio: "2" }),
    'Invalid value for ratio: "2" (expected a number <= 1)',
  );
});

Deno.test("loadConfig rejects bad booleans and enum names", () => {
  expectConfigError(
    () => loadConfig(schema, { orderMessageEnable: "yes" }),
    'Invalid value for orderMessageEnable: "yes" (expected true or false)',
  );
  expectConfigError(
    () => loadConfig(schema, { flushDiskType: "sync_flush" }),
    'Invalid value for flushDiskType: "sync_flush" (expected one of ASYNC_FLUSH, SYNC_FLUSH)',
  );
});

Deno.test("loadConfig lists every bad value at once", () => {
  const error = expectConfigError(
    () => loadConfig(schema, { listenPort: "x", sizeBig: "y" }),
    'Invalid value for listenPort: "x" (expected an integer between 0 and 65535); ' +
      'Invalid value for sizeBig: "y" (expected a size in bytes)',
  );
  assert.deepEqual(error.issues.map((i) => i.key), ["listenPort", "sizeBig"]);
});

Deno.test("loadConfig lists values that do not parse and values the schema refuses together", () => {
  const error = expectConfigError(
    () =>
      loadConfig(
        schema,
        parseProperties("flushDiskType=sync\nlistenPort=abc\ndiskMaxUsedSpaceRatio=5\n"),
      ),
    'Invalid value for flushDiskType: "sync" (expected one of ASYNC_FLUSH, SYNC_FLUSH); ' +
      'Invalid value for listenPort: "abc" (expected an integer between 0 and 65535); ' +
      'Invalid value for diskMaxUsedSpaceRatio: "5" (expected an integer >= 10)',
  );
  assert.deepEqual(error.issues.map((i) => i.key), [
    "flushDiskType",
    "listenPort",
    "diskMaxUsedSpaceRatio",
  ]);
});

Deno.test("loadConfig warns about unknown keys by name, with a case hint", () => {
  const { warnings, unknown } = loadConfig(schema, { listenport: "1", fooBar: "x" });
  assert.deepEqual(warnings, [
    "Unknown config key listenport ignored (did you mean listenPort?)",
    "Unknown config key fooBar ignored",
  ]);
  assert.deepEqual([...unknown], [["listenport", "1"], ["fooBar", "x"]]);
});

Deno.test("loadConfig applies an old spelling under its new name with a warning", () => {
  const renamedKeys = { mapedFileSizeCommitLog: "mappedFileSizeCommitLog" };
  const one = loadConfig(schema, { mapedFileSizeCommitLog: "2048" }, { renamedKeys });
  assert.equal(one.config.mappedFileSizeCommitLog, 2048);
  assert.deepEqual(one.appliedKeys, ["mappedFileSizeCommitLog"]);
  assert.deepEqual(one.warnings, [
    "Config key mapedFileSizeCommitLog is the old spelling of mappedFileSizeCommitLog; applied as mappedFileSizeCommitLog",
  ]);
  const both = loadConfig(
    schema,
    { mapedFileSizeCommitLog: "2048", mappedFileSizeCommitLog: "4096" },
    { renamedKeys },
  );
  assert.equal(both.config.mappedFileSizeCommitLog, 4096);
  assert.match(both.warnings[0], /also set; mapedFileSizeCommitLog ignored/);
});

Deno.test("loadConfig accepts and reports keys with no effect", () => {
  const { config, warnings } = loadConfig(schema, { serverSelectorThreads: "5" }, {
    noEffectKeys: new Set(["serverSelectorThreads"]),
  });
  assert.equal(config.serverSelectorThreads, 5);
  assert.deepEqual(warnings, [
    "Config key serverSelectorThreads is accepted but has no effect on this runtime",
  ]);
  const atDefault = loadConfig(schema, { serverSelectorThreads: "3" }, {
    noEffectKeys: new Set(["serverSelectorThreads"]),
  });
  assert.deepEqual(atDefault.warnings, [], "a no-effect key at its default asks for nothing");
});

Deno.test("loadConfig applies properties over the base values", () => {
  const { config } = loadConfig(schema, { productEnvName: "x" }, {
    base: { listenPort: 10911, productEnvName: "y" },
  });
  assert.equal(config.listenPort, 10911);
  assert.equal(config.productEnvName, "x");
});

Deno.test("loadConfig reports cross-field refinements under the offending key", () => {
  const refined = z.object({
    low: z.int().default(0),
    high: z.int().default(10),
  }).superRefine((c, ctx) => {
    if (c.low > c.high) ctx.addIssue({ code: "custom", path: ["low"], message: "at most high" });
  });
  expectConfigError(
    () => loadConfig(refined, { low: "20" }),
    'Invalid value for low: "20" (expected at most high)',
  );
});

Deno.test("loadConfig says an empty value for a required string key must be non-empty", () => {
  const names = z.object({
    brokerName: z.string().min(1).default("broker-a"),
    namesrvAddr: z.string().min(1).optional(),
    productEnvName: z.string().default("center"),
  });
  expectConfigError(
    () => loadConfig(names, parseProperties("brokerName=\nnamesrvAddr=  \nproductEnvName=\n")),
    'Invalid value for brokerName: "" (expected a non-empty string); ' +
      'Invalid value for namesrvAddr: "" (expected a non-empty string)',
  );
});

Deno.test("describeExpected covers plain types", () => {
  assert.equal(describeExpected(z.string().default("")), "a string");
  assert.equal(describeExpected(z.int()), "an integer");
  assert.equal(describeExpected(z.number()), "a number");
});

Deno.test("configToProperties writes sorted non-null values, config winning over extras", () => {
  const text = configToProperties(
    { listenPort: 9876, rocketmqHome: undefined, orderMessageEnable: false, x: null },
    [["zeta", "1"], ["listenPort", "1"]],
  );
  assert.equal(text, "listenPort=9876\norderMessageEnable=false\nzeta=1\n");
});
