import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeProperties,
  encodeProperties,
  findProperty,
  MessageConst,
} from "../../store/message_properties.ts";
import {
  appendProperty,
  buildStoredProperties,
  PROPERTY_CLUSTER,
} from "./_send_message_support.ts";

/** buildStoredProperties as written with four findProperty scans: the reference. */
function reference(text: string, cluster: string) {
  const uniqKey = findProperty(text, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
  const transactional = findProperty(text, MessageConst.PROPERTY_TRANSACTION_PREPARED) === "true";
  const waitStoreMsgOK = findProperty(text, MessageConst.PROPERTY_WAIT_STORE_MSG_OK) !== "false";
  if (
    findProperty(text, MessageConst.PROPERTY_WAIT_STORE_MSG_OK) !== undefined ||
    findProperty(text, PROPERTY_CLUSTER) !== undefined
  ) {
    const map = decodeProperties(text);
    map.delete(MessageConst.PROPERTY_WAIT_STORE_MSG_OK);
    map.set(PROPERTY_CLUSTER, cluster);
    return { text: encodeProperties(map), uniqKey, transactional, waitStoreMsgOK };
  }
  const appended = appendProperty(text, PROPERTY_CLUSTER, cluster);
  return { text: appended, uniqKey, transactional, waitStoreMsgOK };
}

Deno.test("buildStoredProperties agrees with four findProperty scans on every properties string", () => {
  const piece = fc.constantFrom(
    "UNIQ_KEY",
    "TRAN_MSG",
    "WAIT",
    "CLUSTER",
    "TAGS",
    "XUNIQ_KEY",
    "true",
    "false",
    "v",
    "",
    "\u0001",
    "\u0002",
  );
  const text = fc.array(piece, { maxLength: 14 }).map((parts) => parts.join(""));
  fc.assert(
    fc.property(text, (t) => {
      assert.deepEqual(buildStoredProperties(t, "C1"), reference(t, "C1"), JSON.stringify(t));
    }),
    { seed: 20_241_124, numRuns: 3000 },
  );
});
