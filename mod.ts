/**
 * EdgeMQ: a message broker for Deno that implements Apache RocketMQ's architecture and speaks
 * its TCP remoting protocol. Import this module to embed a name server or broker, or to
 * produce and consume with a RocketMQ-style client.
 *
 * The most used names are exported directly; every folder's full public API is also
 * available as a namespace (`protocol`, `store`, `namesrv`, `broker`, `client`, `tools`,
 * `common`).
 *
 * @example Produce and consume
 * ```ts ignore
 * import { ConsumeConcurrentlyStatus, Message, Producer, PushConsumer } from "./mod.ts";
 *
 * const producer = new Producer({ producerGroup: "PG", namesrvAddr: "127.0.0.1:9876" });
 * await producer.start();
 * const result = await producer.send(new Message({ topic: "TopicTest", body: "hello", tags: "TagA" }));
 * console.log(result.sendStatus, result.msgId);
 *
 * const consumer = new PushConsumer({ consumerGroup: "CG", namesrvAddr: "127.0.0.1:9876" });
 * consumer.subscribe("TopicTest", "TagA || TagB");
 * consumer.registerMessageListener(async (msgs) => {
 *   for (const msg of msgs) console.log(msg.msgId, new TextDecoder().decode(msg.body));
 *   // the constant: an async function's bare "CONSUME_SUCCESS" is typed string
 *   return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
 * });
 * await consumer.start();
 * ```
 *
 * @module
 */

/** Client library: producer, consumers, admin client and messages. */
export {
  AdminClient,
  ConsumeConcurrentlyStatus,
  ConsumeOrderlyStatus,
  Message,
  MessageExt,
  Producer,
  PullConsumer,
  PushConsumer,
  type SendResult,
} from "./client/mod.ts";

/** Embedded servers: the name server and the broker. */
export { NamesrvController } from "./namesrv/mod.ts";
export { BrokerController, loadBrokerConfig } from "./broker/mod.ts";
export { loadNamesrvConfig } from "./namesrv/mod.ts";

/** Storage: the message store and its file systems (disk and memory). */
export { DenoFileSystem, MemoryFileSystem, MessageStore } from "./store/mod.ts";

/** Remoting: RocketMQ's wire protocol and the TCP transport. */
export {
  createRequest,
  createResponse,
  DenoTcpTransport,
  MemoryTransport,
  RemotingClient,
  type RemotingCommand,
  RemotingServer,
  RequestCode,
  ResponseCode,
} from "./protocol/mod.ts";

/** Time source injected into every component. */
export { type Clock, ManualClock, systemClock } from "./common/clock.ts";

/** Every folder's whole public API, as namespaces. */
export * as broker from "./broker/mod.ts";
export * as client from "./client/mod.ts";
export * as common from "./common/mod.ts";
export * as namesrv from "./namesrv/mod.ts";
export * as protocol from "./protocol/mod.ts";
export * as store from "./store/mod.ts";
export * as tools from "./tools/mod.ts";
