/**
 * The name server's side of 5.x acting masters: GET_BROKER_MEMBER_GROUP (901), which a broker with
 * `enableSlaveActingMaster` sends every few seconds to learn its group's members, and the write
 * permission a group loses when its master leaves.
 */
import assert from "node:assert/strict";
import { createRegisterBrokerRequest } from "./register_broker_request.ts";
import { bodyText, startTestNamesrv, systemTopics, topicConfig } from "./_namesrv_testing.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";

const CLUSTER = "DefaultCluster";
const BROKER = "broker-a";
const MASTER = "127.0.0.1:10911";
const SLAVE = "127.0.0.1:10921";

/** A 5.x broker of an acting-master group registers (header enableActingMaster=true). */
function register5x(brokerId: number, brokerAddr: string) {
  const request = createRegisterBrokerRequest({
    clusterName: CLUSTER,
    brokerName: BROKER,
    brokerAddr,
    brokerId,
    haServerAddr: brokerAddr,
    topics: [...systemTopics(CLUSTER, BROKER), topicConfig("OrderTopic", 4)],
    dataVersion: { counter: 1, timestamp: 1_700_000_000_000, stateVersion: 0 },
    version: 474, // a 5.x MQVersion ordinal
  });
  request.extFields!.enableActingMaster = "true";
  request.extFields!.heartbeatTimeoutMillis = "60000";
  return request;
}

Deno.test("GET_BROKER_MEMBER_GROUP (901) answers the group's members, as 5.x namesrv does", async () => {
  const ns = await startTestNamesrv();
  try {
    for (const [id, addr] of [[0, MASTER], [1, SLAVE]] as const) {
      const r = await ns.client.invoke(ns.addr, register5x(id, addr), 5000);
      assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    }
    // BrokerOuterAPI.getBrokerMemberGroup (5.x broker, enableSlaveActingMaster=true)
    const res = await ns.call(RequestCode.GET_BROKER_MEMBER_GROUP, {
      extFields: { clusterName: CLUSTER, brokerName: BROKER },
      version: 474,
    });
    assert.equal(res.code, ResponseCode.SUCCESS, `code ${res.code}: ${res.remark}`);
    const body = JSON.parse(bodyText(res).replace(/([{,])(\d+):/g, '$1"$2":'));
    assert.deepEqual(body.brokerMemberGroup, {
      brokerAddrs: { "0": MASTER, "1": SLAVE },
      brokerName: BROKER,
      cluster: CLUSTER,
    });
    const unknown = await ns.call(RequestCode.GET_BROKER_MEMBER_GROUP, {
      extFields: { clusterName: CLUSTER, brokerName: "broker-x" },
    });
    assert.equal(unknown.code, ResponseCode.SUCCESS);
    assert.equal(
      bodyText(unknown),
      '{"brokerMemberGroup":{"brokerAddrs":{},"brokerName":"broker-x","cluster":"DefaultCluster"}}',
    );
  } finally {
    await ns.close();
  }
});

Deno.test("acting-master group: the master leaves, its queue data loses write perm (5.x cleanTopicByUnRegisterRequests)", async () => {
  const ns = await startTestNamesrv();
  try {
    for (const [id, addr] of [[0, MASTER], [1, SLAVE]] as const) {
      const r = await ns.client.invoke(ns.addr, register5x(id, addr), 5000);
      assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    }
    const route = async () => {
      const answer = await ns.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
        extFields: { topic: "OrderTopic" },
        version: 474,
      });
      assert.equal(answer.code, ResponseCode.SUCCESS, answer.remark);
      return JSON.parse(bodyText(answer));
    };
    assert.equal((await route()).queueDatas[0].perm, 6);
    const un = await ns.call(RequestCode.UNREGISTER_BROKER, {
      extFields: { clusterName: CLUSTER, brokerName: BROKER, brokerAddr: MASTER, brokerId: "0" },
    });
    assert.equal(un.code, ResponseCode.SUCCESS);
    const left = await route();
    assert.deepEqual(left.brokerDatas[0].brokerAddrs, { "1": SLAVE });
    assert.equal(left.queueDatas[0].perm, 4, "a group with no master is not writable");
    // The master back: its registration makes the queues writable again.
    const back = await ns.client.invoke(ns.addr, register5x(0, MASTER), 5000);
    assert.equal(back.code, ResponseCode.SUCCESS, back.remark);
    assert.equal((await route()).queueDatas[0].perm, 6);
  } finally {
    await ns.close();
  }
});
