/**
 * What the broker's registration means for routes: UPDATE_AND_CREATE_TOPIC, and a send that
 * creates its topic, answer once the name servers were told (RocketMQ registers before
 * answering), and the order flags follow the
 * name server's ORDER_TOPIC_CONFIG namespace as RocketMQ's updateOrderTopicConfig applies the
 * first answer. Real name servers and brokers over TCP.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { TestBrokerClient, updateTopicRequest } from "../tests/broker_test_client.ts";
import { startSilentPeer, startTestBroker } from "../tests/broker_test_env.ts";
import { startTestNamesrv } from "../namesrv/_namesrv_testing.ts";

Deno.test("UPDATE_AND_CREATE_TOPIC answers once the name servers were told, a silent one bounded by its timeout", async () => {
  // A second name server that accepts and reads but never answers (stalled process).
  const silent = startSilentPeer();
  const ns = await startTestNamesrv();
  const env = await startTestBroker({
    namesrvAddr: `${ns.addr};${silent.addr}`,
    properties: { registerBrokerTimeoutMills: "2000" },
  });
  const admin = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    const first = await admin.invoke(updateTopicRequest("TopicFirst"));
    assert.equal(first.code, ResponseCode.SUCCESS, first.remark);
    const second = await admin.invoke(updateTopicRequest("TopicSecond"));
    assert.equal(second.code, ResponseCode.SUCCESS, second.remark);
    // mqadmin updateTopic said OK: a producer now asks the (healthy) name server for the route.
    const route = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicSecond" },
    });
    assert.equal(route.code, ResponseCode.SUCCESS, `route after SUCCESS: ${route.remark}`);
  } finally {
    await admin.close();
    await env.close();
    await ns.close();
    await silent.close();
  }
});

const RELAY_LAG_MS = 150; // a slow link to the name server, inside the send path's 500 ms wait

/** Closing the relay cuts its connections, which ends each pump with one of these errors. */
function pumpEnded(error: unknown): void {
  const { BadResource, BrokenPipe, ConnectionReset, Interrupted } = Deno.errors;
  const cut = [BadResource, BrokenPipe, ConnectionReset, Interrupted].some((type) =>
    error instanceof type
  );
  if (!cut) throw error;
}

/** A TCP relay to `target` that delivers the broker's bytes RELAY_LAG_MS late. */
function slowRelay(target: string) {
  const [hostname, port] = target.split(":");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const pumps: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const inbound of listener) {
      const outbound = await Deno.connect({ hostname, port: Number(port) });
      conns.push(inbound, outbound);
      const lag = new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) =>
          new Promise<void>((resolve) =>
            setTimeout(() => resolve(controller.enqueue(chunk)), RELAY_LAG_MS)
          ),
      });
      pumps.push(inbound.readable.pipeThrough(lag).pipeTo(outbound.writable).catch(pumpEnded));
      pumps.push(outbound.readable.pipeTo(inbound.writable).catch(pumpEnded));
    }
  })();
  return {
    addr: `127.0.0.1:${listener.addr.port}`,
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch (error) {
          if (!(error instanceof Deno.errors.BadResource)) throw error; // its pump closed it
        }
      }
      await accepting;
      await Promise.all(pumps);
    },
  };
}

Deno.test("a send that creates its topic answers after the name server learned it, over a slow link", async () => {
  const ns = await startTestNamesrv();
  const relay = slowRelay(ns.addr);
  const env = await startTestBroker({ namesrvAddr: relay.addr });
  const client = new TestBrokerClient(new DenoTcpTransport(), env.address);
  try {
    await env.broker.registration!.registerNow(); // the start rounds are over
    const sent = await client.send("TopicAutoAnnounced", "x");
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    const route = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicAutoAnnounced" },
    });
    assert.equal(route.code, ResponseCode.SUCCESS, `route right after SEND_OK: ${route.remark}`);
  } finally {
    await client.close();
    await env.close();
    await relay.close();
    await ns.close();
  }
});

Deno.test("UPDATE_AND_CREATE_TOPIC costs one registration round, the one its change asked for", async () => {
  const ns = await startTestNamesrv();
  const env = await startTestBroker({ namesrvAddr: ns.addr });
  const admin = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const registration = env.broker.registration!;
  try {
    await registration.registerNow(); // the start rounds are over
    const before = registration.rounds;
    const created = await admin.invoke(updateTopicRequest("TopicOneRound"));
    assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
    assert.equal(registration.rounds - before, 1, "each round sends the whole topic table");
    const route = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      extFields: { topic: "TopicOneRound" },
    });
    assert.equal(route.code, ResponseCode.SUCCESS, route.remark);
  } finally {
    await admin.close();
    await env.close();
    await ns.close();
  }
});

Deno.test("BrokerController clears an order flag whose conf left the name server (RocketMQ updateOrderTopicConfig)", async () => {
  const ns = await startTestNamesrv();
  const kv = (code: number, key: string, value?: string) =>
    ns.call(code, {
      extFields: { namespace: "ORDER_TOPIC_CONFIG", key, ...(value ? { value } : {}) },
    });
  assert.equal((await kv(RequestCode.PUT_KV_CONFIG, "TopicWasOrdered", "broker-test:4")).code, 0);
  assert.equal((await kv(RequestCode.PUT_KV_CONFIG, "TopicStillOrdered", "broker-test:4")).code, 0);
  const env = await startTestBroker({ namesrvAddr: ns.addr });
  const admin = new TestBrokerClient(new DenoTcpTransport(), env.address);
  const manager = env.broker.topicConfigManager;
  const orderIs = (topic: string, order: boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (manager.isOrderTopic(topic) === order) return resolve();
      const timer = setTimeout(() => {
        off();
        reject(new Error(`${what}: ${topic} order still ${!order} after 5 s`));
      }, 5000);
      const off = manager.onChange(() => {
        if (manager.isOrderTopic(topic) !== order) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  try {
    for (const topic of ["TopicWasOrdered", "TopicStillOrdered"]) {
      const marked = orderIs(topic, true, "order conf applied");
      assert.equal((await admin.invoke(updateTopicRequest(topic))).code, ResponseCode.SUCCESS);
      await marked;
    }
    // The operator removes the order conf (mqadmin updateOrderConf -m delete).
    assert.equal((await kv(RequestCode.DELETE_KV_CONFIG, "TopicWasOrdered")).code, 0);
    const cleared = orderIs("TopicWasOrdered", false, "order conf removed");
    await env.broker.registration!.registerNow();
    await cleared;
    // What it changes for users: a draining (read-only) broker refuses sends to ordered topics only.
    const update = await admin.invoke(createRequest(RequestCode.UPDATE_BROKER_CONFIG, {
      body: new TextEncoder().encode("brokerPermission=4\n"),
    }));
    assert.equal(update.code, ResponseCode.SUCCESS, update.remark);
    const sent = await admin.send("TopicWasOrdered", "x");
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    // The last order conf goes too: the name server answers an empty table, which clears it.
    assert.equal((await kv(RequestCode.DELETE_KV_CONFIG, "TopicStillOrdered")).code, 0);
    const lastCleared = orderIs("TopicStillOrdered", false, "last order conf removed");
    await env.broker.registration!.registerNow();
    await lastCleared;
  } finally {
    await admin.close();
    await env.close();
    await ns.close();
  }
});

// Found by helper-132: 45,000 topics with 127-character names (within TOPICS_PER_BROKER_MAX) make a
// JSON REGISTER_BROKER body over the 16 MiB frame: the registration failed and every topic of the
// broker lost its route. Such a body now goes compressed.
Deno.test("a broker whose topic table is too large for a JSON registration registers compressed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgemq_register_body_" });
  const count = 45_000;
  const nameOf = (i: number) => `T${String(i).padStart(6, "0")}`.padEnd(127, "x");
  const table: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    table[nameOf(i)] = {
      order: false,
      perm: 6,
      readQueueNums: 1,
      writeQueueNums: 1,
      topicFilterType: "SINGLE_TAG",
      topicName: nameOf(i),
      topicSysFlag: 0,
    };
  }
  await Deno.mkdir(`${dir}/config`);
  await Deno.writeTextFile(
    `${dir}/config/topics.json`,
    JSON.stringify({ dataVersion: { counter: 1, timestamp: Date.now() }, topicConfigTable: table }),
  );
  const env = await startTestBroker({ dir });
  const namesrv = new TestBrokerClient(new DenoTcpTransport(), env.namesrvAddr!);
  try {
    const route = await namesrv.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      topic: nameOf(count - 1),
    });
    assert.equal(route.code, ResponseCode.SUCCESS, route.remark);
  } finally {
    await namesrv.close();
    await env.close(true);
    await Deno.remove(dir, { recursive: true });
  }
});
