import assert from "node:assert/strict";
import { ResponseCode } from "../protocol/response_code.ts";
import {
  checkSendAllowed,
  dlqTopic,
  isSysConsumerGroup,
  isTopicOrGroupIllegal,
  retryTopic,
  systemTopicConflict,
  validateGroup,
  validateTopic,
} from "./topic_validator.ts";

Deno.test("validateTopic accepts RocketMQ's character set up to 127 characters", () => {
  for (const topic of ["TopicTest", "%RETRY%G1", "a|b", "A-z_0-9", "x".repeat(127)]) {
    assert.equal(validateTopic(topic), null, topic);
  }
});

Deno.test("validateTopic answers blank, illegal and long names with RocketMQ's remarks", () => {
  assert.deepEqual(validateTopic("  "), {
    code: ResponseCode.SYSTEM_ERROR,
    remark: "The specified topic is blank.",
  });
  assert.deepEqual(validateTopic(undefined), {
    code: ResponseCode.SYSTEM_ERROR,
    remark: "The specified topic is blank.",
  });
  assert.deepEqual(validateTopic("Topic Test"), {
    code: ResponseCode.SYSTEM_ERROR,
    remark: "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$",
  });
  assert.equal(validateTopic("tópico")?.code, ResponseCode.SYSTEM_ERROR);
  assert.deepEqual(validateTopic("x".repeat(128)), {
    code: ResponseCode.SYSTEM_ERROR,
    remark: "The specified topic is longer than topic max length.",
  });
});

Deno.test("checkSendAllowed forbids the internal topics with NO_PERMISSION but allows TBW102", () => {
  for (
    const topic of [
      "SCHEDULE_TOPIC_XXXX",
      "RMQ_SYS_TRANS_HALF_TOPIC",
      "RMQ_SYS_TRANS_OP_HALF_TOPIC",
      "TRANS_CHECK_MAX_TIME_TOPIC",
      "SELF_TEST_TOPIC",
      "OFFSET_MOVED_EVENT",
    ]
  ) {
    assert.deepEqual(checkSendAllowed(topic), {
      code: ResponseCode.NO_PERMISSION,
      remark: `Sending message to topic[${topic}] is forbidden.`,
    });
  }
  assert.equal(checkSendAllowed("TBW102"), null, "RocketMQ 4.9.8 lets clients send to TBW102");
  assert.equal(checkSendAllowed("TopicTest"), null);
});

Deno.test("validateGroup applies the character set and 255-character bound", () => {
  assert.equal(validateGroup("CID_ONS-HTTP-PROXY"), null);
  assert.equal(validateGroup("g".repeat(255)), null);
  assert.match(validateGroup("g".repeat(256))?.remark ?? "", /longer than group max length: 255/);
  assert.match(validateGroup("a/b")?.remark ?? "", /contains illegal characters/);
  assert.equal(validateGroup("")?.remark, "The specified group is blank.");
});

Deno.test("topic validator helpers name retry, DLQ and system groups like RocketMQ", () => {
  assert.equal(retryTopic("G1"), "%RETRY%G1");
  assert.equal(dlqTopic("G1"), "%DLQ%G1");
  assert.equal(isSysConsumerGroup("CID_RMQ_SYS_TRANS"), true);
  assert.equal(isSysConsumerGroup("G1"), false);
  assert.equal(isTopicOrGroupIllegal("a b"), true);
  assert.equal(
    systemTopicConflict("TBW102").remark,
    "The topic[TBW102] is conflict with system topic.",
  );
});
