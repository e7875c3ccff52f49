import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { BrokerError } from "./broker_error.ts";
import type { ClientChannel } from "./client_channel_info.ts";
import type { ConsumeMode } from "./consumer_group_info.ts";
import { type ConsumerGroupEvent, ConsumerManager } from "./consumer_manager.ts";
import { buildSubscriptionData, type SubscriptionData } from "./filter/subscription_data.ts";
import { CHANNELS_PER_GROUP_MAX, SUBSCRIPTIONS_PER_GROUP_MAX } from "./limits.ts";

const PUSH: ConsumeMode = {
  consumeType: "CONSUME_PASSIVELY",
  messageModel: "CLUSTERING",
  consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
};

function channel(id: string): ClientChannel {
  return { id, remoteAddress: `10.0.0.2:${50000 + Number(id.replace(/\D/g, "") || 0)}` };
}

function setup() {
  const clock = new ManualClock(1_700_000_000_000);
  const events: ConsumerGroupEvent[] = [];
  const manager = new ConsumerManager({ clock, listener: { handle: (e) => events.push(e) } });
  const register = (
    group: string,
    ch: ClientChannel,
    clientId: string,
    subscriptions: SubscriptionData[] = [
      buildSubscriptionData({ topic: "TopicTest", subString: "*" }),
    ],
  ) =>
    manager.registerConsumer({
      group,
      registration: { channel: ch, clientId, language: "JAVA", version: 399 },
      ...PUSH,
      subscriptions,
      notifyConsumerIdsChangedEnable: true,
    });
  return { clock, events, manager, register };
}

const changes = (events: ConsumerGroupEvent[]) =>
  events.filter((e) => e.kind === "CHANGE").map((e) =>
    e.kind === "CHANGE" ? e.channels.map((c) => c.id) : []
  );

Deno.test("ConsumerManager heartbeat of a new member fires CHANGE with all channels, then REGISTER", () => {
  const { events, manager, register } = setup();
  const a = channel("a1");
  assert.equal(register("G1", a, "10.0.0.2@1"), true);
  assert.deepEqual(events.map((e) => e.kind), ["CHANGE", "REGISTER"]);
  events.length = 0;
  assert.equal(register("G1", a, "10.0.0.2@1"), false, "a repeated heartbeat changes nothing");
  assert.deepEqual(events.map((e) => e.kind), ["REGISTER"]);
  const b = channel("b2");
  assert.equal(register("G1", b, "10.0.0.3@1"), true);
  assert.deepEqual(changes(events), [["a1", "b2"]]);
  assert.deepEqual(manager.getConsumerIdList("G1"), ["10.0.0.2@1", "10.0.0.3@1"]);
  assert.equal(manager.getConsumerGroupInfo("G1")?.consumeType, "CONSUME_PASSIVELY");
});

Deno.test("ConsumerManager reports a topic added or removed as a change, a newer expression not", () => {
  const { events, manager, register } = setup();
  const a = channel("a1");
  const sub = (topic: string, expr: string, version: number) =>
    buildSubscriptionData({ topic, subString: expr, subVersion: version });
  register("G1", a, "c1", [sub("T1", "*", 1)]);
  events.length = 0;
  assert.equal(register("G1", a, "c1", [sub("T1", "TagA", 2)]), false);
  assert.equal(manager.findSubscriptionData("G1", "T1")?.subString, "TagA");
  assert.equal(register("G1", a, "c1", [sub("T1", "TagB", 1)]), false);
  assert.equal(
    manager.findSubscriptionData("G1", "T1")?.subString,
    "TagA",
    "an older version is ignored",
  );
  assert.equal(register("G1", a, "c1", [sub("T1", "TagA", 2), sub("T2", "*", 3)]), true);
  assert.equal(register("G1", a, "c1", [sub("T2", "*", 3)]), true);
  assert.equal(manager.findSubscriptionData("G1", "T1"), undefined);
  assert.equal(manager.findSubscriptionDataCount("G1"), 1);
  assert.deepEqual(changes(events).length, 2);
  assert.deepEqual([...manager.queryTopicConsumeByWho("T2")], ["G1"]);
});

Deno.test("ConsumerManager tracks two consumers sharing a clientID on two connections separately", () => {
  const { events, manager, register } = setup();
  const a = channel("a1");
  const b = channel("b2");
  assert.equal(register("G1", a, "10.0.0.2@DEFAULT"), true);
  assert.equal(
    register("G1", b, "10.0.0.2@DEFAULT"),
    true,
    "the second connection is a new member",
  );
  assert.deepEqual(manager.getConsumerIdList("G1"), ["10.0.0.2@DEFAULT", "10.0.0.2@DEFAULT"]);
  assert.equal(manager.getConsumerGroupInfo("G1")?.channelCount, 2);
  events.length = 0;
  assert.deepEqual(manager.doChannelCloseEvent("a1"), ["G1"]);
  assert.deepEqual(manager.getConsumerIdList("G1"), ["10.0.0.2@DEFAULT"]);
  assert.equal(manager.findChannel("G1", "10.0.0.2@DEFAULT")?.channel, b);
  assert.deepEqual(changes(events), [["b2"]]);
});

Deno.test("ConsumerManager channel close removes the member from every group and drops empty groups", () => {
  const { events, manager, register } = setup();
  const a = channel("a1");
  register("G1", a, "c1");
  register("G2", a, "c1");
  register("G2", channel("b2"), "c2");
  events.length = 0;
  assert.deepEqual(manager.doChannelCloseEvent("a1").sort(), ["G1", "G2"]);
  assert.equal(manager.getConsumerGroupInfo("G1"), undefined);
  assert.deepEqual(manager.getConsumerIdList("G1"), []);
  assert.deepEqual(manager.getConsumerIdList("G2"), ["c2"]);
  assert.deepEqual(events.map((e) => `${e.kind}:${e.group}`), [
    "UNREGISTER:G1",
    "CHANGE:G1",
    "CHANGE:G2",
  ]);
  assert.deepEqual(manager.doChannelCloseEvent("a1"), [], "a second close finds nothing");
});

Deno.test("ConsumerManager unregisterConsumer removes one connection and notifies when asked", () => {
  const { events, manager, register } = setup();
  const a = channel("a1");
  const b = channel("b2");
  register("G1", a, "c1");
  register("G1", b, "c2");
  events.length = 0;
  assert.equal(manager.unregisterConsumer("G1", a, false), true);
  assert.equal(events.length, 0, "no CHANGE when the group does not want notices");
  assert.equal(manager.unregisterConsumer("G1", b, true), true);
  assert.deepEqual(events.map((e) => e.kind), ["UNREGISTER", "CHANGE"]);
  assert.equal(manager.groupCount, 0);
  assert.equal(manager.unregisterConsumer("G1", b, true), false);
});

Deno.test("ConsumerManager scanNotActiveChannel drops members silent over 120 s", () => {
  const { clock, events, manager, register } = setup();
  const a = channel("a1");
  const b = channel("b2");
  register("G1", a, "c1");
  clock.advance(60_000);
  register("G1", b, "c2");
  clock.advance(60_000);
  assert.deepEqual(manager.scanNotActiveChannel(), [], "exactly 120 s is not yet expired");
  clock.advance(1);
  events.length = 0;
  const expired = manager.scanNotActiveChannel();
  assert.deepEqual(expired.map((e) => [e.group, e.info.channel.id]), [["G1", "a1"]]);
  assert.deepEqual(manager.getConsumerIdList("G1"), ["c2"]);
  assert.deepEqual(changes(events), [["b2"]]);
  register("G1", b, "c2");
  clock.advance(120_001);
  events.length = 0;
  assert.equal(manager.scanNotActiveChannel().length, 1);
  assert.deepEqual(events.map((e) => e.kind), ["UNREGISTER"]);
  assert.equal(manager.getConsumerGroupInfo("G1"), undefined);
});

Deno.test("ConsumerManager re-registers a connection that announces another client id", () => {
  const { manager, register } = setup();
  const a = channel("a1");
  register("G1", a, "old-id");
  assert.equal(register("G1", a, "new-id"), false, "the same connection is no new member");
  assert.deepEqual(manager.getConsumerIdList("G1"), ["new-id"]);
});

Deno.test("ConsumerManager refuses a heartbeat over the limits with SYSTEM_BUSY and changes nothing", () => {
  const manager = new ConsumerManager({ clock: new ManualClock() });
  const register = (
    group: string,
    ch: ClientChannel,
    clientId: string,
    subscriptions: SubscriptionData[] = [],
  ) =>
    manager.registerConsumer({
      group,
      registration: { channel: ch, clientId, language: "JAVA", version: 399 },
      ...PUSH,
      subscriptions,
      notifyConsumerIdsChangedEnable: true,
    });
  const subs = Array.from(
    { length: SUBSCRIPTIONS_PER_GROUP_MAX + 1 },
    (_, i) => buildSubscriptionData({ topic: `T${i}`, subString: "*" }),
  );
  assert.throws(
    () => register("G1", channel("a1"), "c1", subs),
    (error: unknown) => error instanceof BrokerError && error.code === ResponseCode.SYSTEM_BUSY,
  );
  assert.equal(manager.groupCount, 0);
  for (let i = 0; i < CHANNELS_PER_GROUP_MAX; i++) register("G1", channel(`c${i}`), `id${i}`);
  assert.throws(
    () => register("G1", channel("one-more"), "extra"),
    (error: unknown) => error instanceof BrokerError && /channelsPerGroupMax/.test(error.remark),
  );
  assert.equal(register("G1", channel("c0"), "id0"), false, "a known member still gets through");
});
