import assert from "node:assert/strict";
import { parseProperties } from "../common/properties.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { DenoFileSystem } from "../store/adapters/deno_file_system.ts";
import { bodyText, startTestNamesrv, systemTopics, topicConfig } from "./_namesrv_testing.ts";
import { createRegisterBrokerRequest } from "./register_broker_request.ts";

const encoder = new TextEncoder();

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "namesrv_state_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("NamesrvController keeps KV config across a restart", async () => {
  await withTempDir(async (dir) => {
    const properties = { kvConfigPath: `${dir}/namesrv/kvConfig.json` };
    const fs = new DenoFileSystem();
    const first = await startTestNamesrv({ fs, properties });
    try {
      const put = await first.call(RequestCode.PUT_KV_CONFIG, {
        extFields: { namespace: "ORDER_TOPIC_CONFIG", key: "T1", value: "broker-a:4" },
      });
      assert.equal(put.code, ResponseCode.SUCCESS);
      await first.call(RequestCode.PUT_KV_CONFIG, {
        extFields: { namespace: "ns", key: "k", value: "v" },
      });
      const noValue = await first.call(RequestCode.PUT_KV_CONFIG, {
        extFields: { namespace: "ns", key: "k" },
      });
      assert.equal(noValue.code, ResponseCode.SYSTEM_ERROR);
      assert.match(noValue.remark!, /value is missing/);
    } finally {
      await first.close();
    }
    const second = await startTestNamesrv({ fs, properties });
    try {
      const got = await second.call(RequestCode.GET_KV_CONFIG, {
        extFields: { namespace: "ORDER_TOPIC_CONFIG", key: "T1" },
      });
      assert.equal(got.code, ResponseCode.SUCCESS);
      assert.deepEqual(got.extFields, { value: "broker-a:4" });
      const list = await second.call(RequestCode.GET_KVLIST_BY_NAMESPACE, {
        extFields: { namespace: "ns" },
      });
      assert.equal(bodyText(list), '{"table":{"k":"v"}}');
      await second.call(RequestCode.DELETE_KV_CONFIG, { extFields: { namespace: "ns", key: "k" } });
      const missing = await second.call(RequestCode.GET_KV_CONFIG, {
        extFields: { namespace: "ns", key: "k" },
      });
      assert.equal(missing.code, ResponseCode.QUERY_NOT_FOUND);
      assert.equal(missing.remark, "No config item, Namespace: ns Key: k");
      const emptyNs = await second.call(RequestCode.GET_KVLIST_BY_NAMESPACE, {
        extFields: { namespace: "ns" },
      });
      assert.equal(emptyNs.code, ResponseCode.QUERY_NOT_FOUND);
      assert.equal(emptyNs.remark, "No config item, Namespace: ns");
    } finally {
      await second.close();
    }
  });
});

Deno.test("NamesrvController adds orderTopicConf when orderMessageEnable and returns it to brokers", async () => {
  const ns = await startTestNamesrv({ properties: { orderMessageEnable: "true" } });
  try {
    await ns.call(RequestCode.PUT_KV_CONFIG, {
      extFields: { namespace: "ORDER_TOPIC_CONFIG", key: "TopicTest", value: "broker-a:4" },
    });
    const registered = await ns.client.invoke(
      ns.addr,
      createRegisterBrokerRequest({
        clusterName: "c",
        brokerName: "broker-a",
        brokerAddr: "10.0.0.1:10911",
        brokerId: 0,
        haServerAddr: "10.0.0.1:10912",
        topics: [topicConfig("TopicTest"), ...systemTopics("c", "broker-a")],
        dataVersion: { counter: 1, timestamp: 1 },
      }),
      5000,
    );
    assert.equal(bodyText(registered), '{"table":{"TopicTest":"broker-a:4"}}');
    const route = JSON.parse(
      bodyText(
        await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: "TopicTest" } }),
      ),
    );
    assert.equal(route.orderTopicConf, "broker-a:4");
    await ns.call(RequestCode.UPDATE_NAMESRV_CONFIG, {
      body: encoder.encode("orderMessageEnable=false\n"),
    });
    const plain = JSON.parse(
      bodyText(
        await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: "TopicTest" } }),
      ),
    );
    assert.equal(plain.orderTopicConf, undefined, "the cached route follows the config change");
  } finally {
    await ns.close();
  }
});

Deno.test("NamesrvController reports and updates its config over the wire, persisting to configStorePath", async () => {
  await withTempDir(async (dir) => {
    const properties = {
      configStorePath: `${dir}/namesrv.properties`,
      productEnvName: "prod",
      serverSelectorThreads: "5",
      someFutureKey: "kept",
    };
    const ns = await startTestNamesrv({ fs: new DenoFileSystem(), properties });
    try {
      const got = parseProperties(bodyText(await ns.call(RequestCode.GET_NAMESRV_CONFIG)));
      assert.equal(got.get("productEnvName"), "prod");
      assert.equal(got.get("serverSelectorThreads"), "5");
      assert.equal(got.get("someFutureKey"), "kept");
      assert.equal(got.get("bindAddress"), "127.0.0.1");
      const keys = [...got.keys()];
      assert.deepEqual(keys, [...keys].sort(), "sorted by key");
      const updated = await ns.call(RequestCode.UPDATE_NAMESRV_CONFIG, {
        body: encoder.encode("orderMessageEnable=true\nwaitSecondsForService = 7\n"),
      });
      assert.equal(updated.code, ResponseCode.SUCCESS, updated.remark);
      const persisted = parseProperties(await Deno.readTextFile(`${dir}/namesrv.properties`));
      assert.equal(persisted.get("orderMessageEnable"), "true");
      assert.equal(persisted.get("waitSecondsForService"), "7");
      assert.equal(persisted.get("productEnvName"), "prod");
      const refused = await ns.call(RequestCode.UPDATE_NAMESRV_CONFIG, {
        body: encoder.encode("kvConfigPath=/tmp/x\n"),
      });
      assert.equal(refused.code, ResponseCode.NO_PERMISSION);
      assert.equal(refused.remark, "Can not update config in black list.");
      const invalid = await ns.call(RequestCode.UPDATE_NAMESRV_CONFIG, {
        body: encoder.encode("waitSecondsForService=soon\n"),
      });
      assert.equal(invalid.code, ResponseCode.INVALID_PARAMETER);
      assert.equal(
        invalid.remark,
        'Invalid value for waitSecondsForService: "soon" (expected an integer between 0 and 2147483647)',
      );
      const after = parseProperties(bodyText(await ns.call(RequestCode.GET_NAMESRV_CONFIG)));
      assert.equal(after.get("waitSecondsForService"), "7");
      assert.equal(after.get("kvConfigPath"), "/home/mq/namesrv/kvConfig.json");
    } finally {
      await ns.close();
    }
  });
});

Deno.test("NamesrvController's HTTP admin and wire commands share state", async () => {
  const ns = await startTestNamesrv();
  try {
    const put = await fetch(`${ns.httpBase}/kv/ns/key1`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value: "from-http" }),
    });
    assert.equal(put.status, 200);
    await put.body?.cancel();
    const wire = await ns.call(RequestCode.GET_KV_CONFIG, {
      extFields: { namespace: "ns", key: "key1" },
    });
    assert.equal(wire.extFields?.value, "from-http");
    await ns.call(RequestCode.UPDATE_NAMESRV_CONFIG, {
      body: encoder.encode("enableTopicList=false\n"),
    });
    const config = await (await fetch(`${ns.httpBase}/config`)).json();
    assert.equal(config.enableTopicList, false);
    const disabled = await ns.call(RequestCode.GET_TOPICS_BY_CLUSTER, {
      extFields: { cluster: "c" },
    });
    assert.equal(disabled.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(disabled.remark, "disable");
    const health = await fetch(`${ns.httpBase}/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, "UP");
  } finally {
    await ns.close();
  }
});

Deno.test("NamesrvController answers SUCCESS to an applied update with half a million unknown keys", async () => {
  const ns = await startTestNamesrv();
  try {
    // 520,000 short unknown keys: a 4.7 MB body whose one warning per key would make a
    // 17 MB remark, over the 16 MiB header limit.
    const lines = ["orderMessageEnable=true"];
    for (let i = 0; i < 520_000; i++) lines.push(`k${i}=`);
    const updated = await ns.call(RequestCode.UPDATE_NAMESRV_CONFIG, {
      body: encoder.encode(lines.join("\n")),
    });
    assert.equal(updated.code, ResponseCode.SUCCESS, updated.remark?.slice(0, 200));
    assert.match(updated.remark ?? "", /; 519936 more unknown config keys ignored$/);
    const got = parseProperties(bodyText(await ns.call(RequestCode.GET_NAMESRV_CONFIG)));
    assert.equal(got.get("orderMessageEnable"), "true");
  } finally {
    await ns.close();
  }
});
