import assert from "node:assert/strict";
import { ManualClock } from "../common/clock.ts";
import type { ClientChannel } from "./client_channel_info.ts";
import { ProducerManager } from "./producer_manager.ts";
import { CHANNELS_PER_GROUP_MAX } from "./limits.ts";

const ch = (id: string): ClientChannel => ({ id, remoteAddress: `10.0.0.9:${id.length + 40000}` });

function setup() {
  const clock = new ManualClock(1_700_000_000_000);
  const manager = new ProducerManager({ clock });
  const register = (group: string, channel: ClientChannel, clientId: string) =>
    manager.registerProducer(group, { channel, clientId, language: "GO", version: 317 });
  return { clock, manager, register };
}

Deno.test("ProducerManager lists a group's connections for GET_PRODUCER_CONNECTION_LIST", () => {
  const { clock, manager, register } = setup();
  assert.equal(register("PG", ch("a"), "p1"), true);
  clock.advance(5);
  assert.equal(register("PG", ch("a"), "p1"), false, "a repeated heartbeat only refreshes");
  assert.equal(register("PG", ch("bb"), "p2"), true);
  const list = manager.getProducerConnections("PG");
  assert.deepEqual(list?.map((i) => [i.clientId, i.language, i.version, i.lastUpdateTimestamp]), [
    ["p1", "GO", 317, 1_700_000_000_005],
    ["p2", "GO", 317, 1_700_000_000_005],
  ]);
  assert.equal(manager.getProducerConnections("other"), undefined);
});

Deno.test("ProducerManager channel close and unregister remove the connection and empty groups", () => {
  const { manager, register } = setup();
  const a = ch("a");
  register("PG1", a, "p1");
  register("PG2", a, "p1");
  register("PG2", ch("bb"), "p2");
  assert.equal(manager.findChannel("p1"), a);
  assert.deepEqual(manager.doChannelCloseEvent("a").sort(), ["PG1", "PG2"]);
  assert.equal(manager.findChannel("p1"), undefined);
  assert.deepEqual(manager.groupNames(), ["PG2"]);
  assert.equal(manager.unregisterProducer("PG2", ch("bb")), true);
  assert.equal(manager.groupCount, 0);
  assert.equal(manager.unregisterProducer("PG2", ch("bb")), false);
});

Deno.test("ProducerManager scanNotActiveChannel drops connections silent over 120 s", () => {
  const { clock, manager, register } = setup();
  register("PG", ch("a"), "p1");
  clock.advance(100_000);
  register("PG", ch("bb"), "p2");
  clock.advance(20_001);
  const expired = manager.scanNotActiveChannel();
  assert.deepEqual(expired.map((e) => [e.group, e.info.clientId]), [["PG", "p1"]]);
  assert.deepEqual(manager.getProducerConnections("PG")?.map((i) => i.clientId), ["p2"]);
});

Deno.test("ProducerManager getAvailableChannel rotates over the group's connections", () => {
  const { manager, register } = setup();
  assert.equal(manager.getAvailableChannel("PG"), undefined);
  register("PG", ch("a"), "p1");
  register("PG", ch("bb"), "p2");
  const picks = new Set([0, 1, 2, 3].map(() => manager.getAvailableChannel("PG")?.id));
  assert.deepEqual([...picks].sort(), ["a", "bb"]);
});

Deno.test("ProducerManager takes more connections in one group than a consumer group may hold", () => {
  // Every client's heartbeat lists CLIENT_INNER_PRODUCER: that group has a connection per client.
  const { manager, register } = setup();
  for (let i = 0; i <= CHANNELS_PER_GROUP_MAX; i++) {
    register("CLIENT_INNER_PRODUCER", ch(`c${i}`), `10.0.0.${i}@DEFAULT`);
  }
  assert.equal(
    manager.getProducerConnections("CLIENT_INNER_PRODUCER")?.length,
    CHANNELS_PER_GROUP_MAX + 1,
  );
});
