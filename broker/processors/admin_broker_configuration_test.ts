import assert from "node:assert/strict";
import { ManualClock } from "../../common/clock.ts";
import { ConfigError } from "../../common/config_loader.ts";
import { DenoFileSystem } from "../../store/adapters/deno_file_system.ts";
import { MemoryFileSystem } from "../../store/adapters/memory_file_system.ts";
import { loadBrokerConfig } from "../broker_config.ts";
import { AdminBrokerConfiguration } from "./admin_broker_configuration.ts";
import { readTestText } from "../../store/_test_adapters.ts";

const ENV = { HOME: "/home/mq", hostname: "host1", localAddress: "127.0.0.1" };
const PATH = "/home/mq/conf/broker.conf";

function configuration(properties: Record<string, string> = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const fs = new MemoryFileSystem({ clock });
  const initial = loadBrokerConfig({
    properties: { brokerName: "broker-a", ...properties },
    env: ENV,
  });
  return {
    clock,
    fs,
    configuration: new AdminBrokerConfiguration({ fs, path: PATH, env: ENV, initial, clock }),
  };
}

Deno.test("AdminBrokerConfiguration applies, versions and persists an update", async () => {
  const { clock, fs, configuration: c } = configuration({ customKey: "kept" });
  assert.ok(
    c.toProperties().includes("customKey=kept\n"),
    "startup file's unknown keys are reported",
  );
  clock.advance(10);
  const seen: number[] = [];
  c.onChange((config) => seen.push(config.defaultTopicQueueNums));
  const result = await c.update(
    new Map([["defaultTopicQueueNums", "4"], ["customKey", "changed"], ["other", "x"]]),
  );
  assert.deepEqual(result.appliedKeys, ["defaultTopicQueueNums"]);
  assert.ok(result.warnings.some((w) => w.includes("other")), result.warnings.join("; "));
  assert.equal(c.config.defaultTopicQueueNums, 4);
  assert.deepEqual(c.dataVersion, { counter: 1, timestamp: clock.now() });
  assert.deepEqual(seen, [4]);
  const text = await readTestText(fs, PATH);
  assert.equal(text, c.toProperties());
  assert.ok(text.includes("defaultTopicQueueNums=4\n"));
  assert.ok(text.includes("customKey=changed\n"), "known unknown keys are updated");
  assert.ok(!text.includes("other="), "new unknown keys are not kept");
});

Deno.test("AdminBrokerConfiguration refuses a bad value whole and keeps the old configuration", async () => {
  const { fs, configuration: c } = configuration();
  await assert.rejects(
    () => c.update(new Map([["defaultTopicQueueNums", "4"], ["listenPort", "99999"]])),
    (error) => error instanceof ConfigError && error.message.includes("listenPort"),
  );
  assert.equal(c.config.defaultTopicQueueNums, 8);
  assert.equal(c.dataVersion.counter, 0);
  assert.equal(await fs.stat(PATH), null);
});

Deno.test("AdminBrokerConfiguration applies an old key spelling and re-applies start-up rules", async () => {
  const { configuration: c } = configuration({ listenPort: "10911" });
  const result = await c.update(
    new Map([["mapedFileSizeCommitLog", String(16 * 1024 * 1024)], ["brokerId", "3"]]),
  );
  assert.ok(result.appliedKeys.includes("mappedFileSizeCommitLog"));
  assert.equal(c.config.mappedFileSizeCommitLog, 16 * 1024 * 1024);
  assert.equal(c.config.brokerId, 0, "a master keeps brokerId 0");
  assert.ok(
    result.warnings.some((w) => w.includes("brokerId 3 ignored")),
    `the caller is told: ${result.warnings.join("; ")}`,
  );
  assert.ok(result.warnings.some((w) => w.includes("old spelling of mappedFileSizeCommitLog")));
  assert.equal(c.config.haListenPort, 10912);
});

Deno.test("AdminBrokerConfiguration changes nothing when the update cannot be persisted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_broker_conf_" });
  try {
    await Deno.writeTextFile(`${dir}/conf`, ""); // a file where the folder should be
    const clock = new ManualClock(1_700_000_000_000);
    const c = new AdminBrokerConfiguration({
      fs: new DenoFileSystem(),
      path: `${dir}/conf/broker.conf`,
      env: ENV,
      initial: loadBrokerConfig({ properties: { brokerName: "broker-a" }, env: ENV }),
      clock,
    });
    const seen: number[] = [];
    c.onChange((config) => seen.push(config.defaultTopicQueueNums));
    await assert.rejects(() => c.update(new Map([["defaultTopicQueueNums", "4"]])));
    assert.equal(c.config.defaultTopicQueueNums, 8, "the old value stays in effect");
    assert.equal(c.dataVersion.counter, 0);
    assert.deepEqual(seen, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
