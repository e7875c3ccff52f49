import assert from "node:assert/strict";
import type { ManualClock } from "../common/clock.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { forEachAdapter } from "../store/_test_adapters.ts";
import type { FileSystem } from "../store/file_system.ts";
import { BrokerError } from "./broker_error.ts";
import { createSubscriptionGroupConfig } from "./subscription_group_config.ts";
import {
  SubscriptionGroupManager,
  SYSTEM_SUBSCRIPTION_GROUPS,
} from "./subscription_group_manager.ts";

async function open(
  ctx: { fs: FileSystem; dir: string; clock: ManualClock },
  autoCreateSubscriptionGroup = true,
): Promise<SubscriptionGroupManager> {
  const manager = new SubscriptionGroupManager({
    autoCreateSubscriptionGroup,
    fs: ctx.fs,
    path: `${ctx.dir}/config/subscriptionGroup.json`,
    clock: ctx.clock,
  });
  await manager.load();
  return manager;
}

forEachAdapter(
  "SubscriptionGroupManager creates RocketMQ's system groups at start",
  async (ctx) => {
    const manager = await open(ctx);
    assert.deepEqual([...manager.subscriptionGroupTable.keys()], [
      "TOOLS_CONSUMER",
      "FILTERSRV_CONSUMER",
      "SELF_TEST_C_GROUP",
      "CID_ONS-HTTP-PROXY",
      "CID_ONSAPI_PULL",
      "CID_ONSAPI_PERMISSION",
      "CID_ONSAPI_OWNER",
      "CID_RMQ_SYS_TRANS",
    ]);
    assert.deepEqual([...manager.subscriptionGroupTable.keys()], [...SYSTEM_SUBSCRIPTION_GROUPS]);
    assert.deepEqual(manager.getSubscriptionGroupConfig("TOOLS_CONSUMER"), {
      groupName: "TOOLS_CONSUMER",
      consumeEnable: true,
      consumeFromMinEnable: true,
      consumeBroadcastEnable: true,
      retryQueueNums: 1,
      retryMaxTimes: 16,
      brokerId: 0,
      whichBrokerWhenConsumeSlowly: 1,
      notifyConsumerIdsChangedEnable: true,
    });
  },
);

forEachAdapter(
  "SubscriptionGroupManager auto-creates a group on first use and persists it",
  async (ctx) => {
    const manager = await open(ctx);
    ctx.clock.advance(10);
    const created = await manager.findSubscriptionGroupConfig("G1");
    assert.deepEqual(created, createSubscriptionGroupConfig("G1"));
    assert.deepEqual(manager.dataVersion, { counter: 1, timestamp: ctx.clock.now() });
    assert.equal(await manager.findSubscriptionGroupConfig("G1"), created);
    assert.equal(manager.dataVersion.counter, 1);
    assert.equal(
      await manager.findSubscriptionGroupConfig("bad group"),
      null,
      "illegal names are not created",
    );
    const reloaded = await open(ctx);
    assert.deepEqual(reloaded.getSubscriptionGroupConfig("G1"), created);
    assert.deepEqual(reloaded.dataVersion, manager.dataVersion);
  },
);

forEachAdapter(
  "SubscriptionGroupManager without auto-creation returns null except for CID_RMQ_SYS_ groups",
  async (ctx) => {
    const manager = await open(ctx, false);
    assert.equal(await manager.findSubscriptionGroupConfig("G1"), null);
    assert.equal(manager.containsSubscriptionGroup("G1"), false);
    assert.equal(
      (await manager.findSubscriptionGroupConfig("CID_RMQ_SYS_OTHER"))?.groupName,
      "CID_RMQ_SYS_OTHER",
    );
  },
);

forEachAdapter(
  "SubscriptionGroupManager update, disable and delete survive reload, 5.x fields kept",
  async (ctx) => {
    const manager = await open(ctx);
    await manager.updateSubscriptionGroupConfig({
      groupName: "G2",
      retryMaxTimes: 3,
      consumeMessageOrderly: true,
      groupRetryPolicy: { type: "CUSTOMIZED" },
    });
    await manager.updateSubscriptionGroupConfig({ groupName: "G3" });
    assert.equal(await manager.disableConsume("G2"), true);
    assert.equal(await manager.disableConsume("G2"), false);
    assert.equal(await manager.deleteSubscriptionGroupConfig("G3"), true);
    assert.equal(await manager.deleteSubscriptionGroupConfig("G3"), false);
    const reloaded = await open(ctx);
    const g2 = reloaded.getSubscriptionGroupConfig("G2");
    assert.equal(g2?.retryMaxTimes, 3);
    assert.equal(g2?.consumeEnable, false);
    assert.equal(g2?.consumeMessageOrderly, true);
    assert.deepEqual(g2?.groupRetryPolicy, { type: "CUSTOMIZED" });
    assert.equal(reloaded.containsSubscriptionGroup("G3"), false);
    assert.equal(reloaded.dataVersion.counter, 4);
    await assert.rejects(
      manager.updateSubscriptionGroupConfig({ groupName: "G4", retryQueueNums: -1 }),
      (error: unknown) => error instanceof BrokerError && error.code === ResponseCode.SYSTEM_ERROR,
    );
    await assert.rejects(
      manager.updateSubscriptionGroupConfig({ groupName: "a b" }),
      (error: unknown) => error instanceof BrokerError && /illegal characters/.test(error.remark),
    );
  },
);

forEachAdapter("SubscriptionGroupManager writes fastjson with sorted properties", async (ctx) => {
  const manager = await open(ctx);
  await manager.findSubscriptionGroupConfig("G1");
  const text = manager.encode(false);
  const parsed = JSON.parse(text);
  assert.deepEqual(Object.keys(parsed), ["dataVersion", "subscriptionGroupTable"]);
  assert.deepEqual(Object.keys(parsed.subscriptionGroupTable.G1), [
    "brokerId",
    "consumeBroadcastEnable",
    "consumeEnable",
    "consumeFromMinEnable",
    "groupName",
    "notifyConsumerIdsChangedEnable",
    "retryMaxTimes",
    "retryQueueNums",
    "whichBrokerWhenConsumeSlowly",
  ]);
  assert.match(manager.encode(true), /^\{\n\t"dataVersion":\{\n\t\t"counter":1,/);
});

forEachAdapter(
  "SubscriptionGroupManager refuses int fields beyond Java's int (no RocketMQ broker holds them)",
  async (ctx) => {
    const manager = await open(ctx);
    for (const field of ["retryMaxTimes", "groupSysFlag", "consumeTimeoutMinute"]) {
      const error = await manager.updateSubscriptionGroupConfig({
        groupName: "G_BIG",
        [field]: 3_000_000_000,
      }).then(() => undefined, (e) => e);
      assert.ok(error instanceof BrokerError, `${field} refused`);
      assert.equal(error.code, ResponseCode.SYSTEM_ERROR);
      assert.match(error.remark, new RegExp(`^Cannot update subscription group: ${field} `));
    }
    const kept = await manager.updateSubscriptionGroupConfig({
      groupName: "G_BIG",
      groupSysFlag: 2_147_483_647,
      consumeTimeoutMinute: 15,
    });
    assert.equal(kept.groupSysFlag, 2_147_483_647);
    assert.equal(manager.getSubscriptionGroupConfig("G_BIG")?.consumeTimeoutMinute, 15);
  },
);

forEachAdapter(
  "SubscriptionGroupManager loads a group an earlier build stored with an unchecked 5.x field",
  async (ctx) => {
    // Before 0297b24, an UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body's 5.x fields were stored as
    // sent; such a file still loads, the field kept as it is (the admin path checks it now).
    const file = {
      subscriptionGroupTable: {
        G_OLD: { groupName: "G_OLD", retryMaxTimes: 3, attributes: { "+retry": 1 } },
      },
      dataVersion: { counter: 1, timestamp: 1 },
    };
    await ctx.fs.mkdir(`${ctx.dir}/config`);
    const handle = await ctx.fs.open(`${ctx.dir}/config/subscriptionGroup.json`, { create: true });
    await handle.writeAt(new TextEncoder().encode(JSON.stringify(file)), 0);
    await handle.sync();
    handle.close();
    const manager = await open(ctx);
    const group = await manager.findSubscriptionGroupConfig("G_OLD");
    assert.equal(group?.retryMaxTimes, 3);
    assert.deepEqual(group?.attributes, { "+retry": 1 });
    await assert.rejects(
      manager.updateSubscriptionGroupConfig({ groupName: "G_NEW", attributes: { "+retry": 1 } }),
      /attributes/,
    );
  },
);
