/**
 * Named maxima of the broker's metadata and client-management layer, each with the reason for
 * its value. RocketMQ itself has almost none of these; they exist so that a misbehaving client or
 * admin cannot grow the broker's tables (and the files and bodies made from them) without bound.
 * A request that would pass a maximum is refused with a typed {@linkcode BrokerError}; nothing is
 * half-applied.
 *
 * @module
 */
import assert from "node:assert/strict";
import { FRAME_BYTES_MAX_DEFAULT } from "../protocol/limits.ts";

/**
 * Longest topic name, from RocketMQ `TopicValidator.TOPIC_MAX_LENGTH` (4.x clients enforce the same
 * bound, so a longer name can only come from a non-Java tool).
 */
export const TOPIC_NAME_LENGTH_MAX = 127;

/**
 * Longest consumer or producer group name, from RocketMQ `Validators.CHARACTER_MAX_LENGTH` (the 4.x
 * client checks it before sending; 5.x clients use 120, which is within it).
 */
export const GROUP_NAME_LENGTH_MAX = 255;

/**
 * Longest retry or dead-letter topic name: `%RETRY%` (7 characters) plus a group name. These topics
 * are created by the broker from a group name, so they follow the group bound, not the topic one.
 */
export const RETRY_TOPIC_NAME_LENGTH_MAX = 7 + GROUP_NAME_LENGTH_MAX;

/**
 * Longest broker name accepted in a request body (LOCK_BATCH_MQ's queues). RocketMQ sets no bound;
 * host names, the default broker names, stop at 253 characters.
 */
export const BROKER_NAME_LENGTH_MAX = 255;

/**
 * Most topics one broker keeps. Every REGISTER_BROKER body carries the whole topic table (about
 * 200 bytes of JSON per topic), and it must fit in one frame of {@linkcode FRAME_BYTES_MAX_DEFAULT}
 * bytes: 50 000 topics make about 10 MiB; with names of the longest kind, more than a frame, so
 * a larger body is sent compressed ({@linkcode REGISTER_BODY_UNCOMPRESSED_BYTES_MAX}).
 */
export const TOPICS_PER_BROKER_MAX = 50_000;

/**
 * Largest REGISTER_BROKER body sent as JSON; a larger one goes in RocketMQ's compressed form
 * (as with `compressedRegister=true`; RocketMQ's and EdgeMQ's name servers read it by the request's
 * `compressed` header): a table of long topic names within {@linkcode TOPICS_PER_BROKER_MAX} would
 * otherwise exceed a frame and leave the broker unregistered, its topics without a route.
 */
export const REGISTER_BODY_UNCOMPRESSED_BYTES_MAX = 8 * 1024 * 1024;

/**
 * Most subscription groups one broker keeps. GET_ALL_SUBSCRIPTIONGROUP_CONFIG (slave sync, admin)
 * returns them in one body of about 300 bytes per group: 50 000 groups make about 15 MiB.
 */
export const SUBSCRIPTION_GROUPS_MAX = 50_000;

/**
 * Most `topic@group` entries in the consumer offset table. The table is rewritten whole to
 * consumerOffset.json every 5 s and sent in one GET_ALL_CONSUMER_OFFSET body to slaves; at about
 * 100 bytes per entry with a few queues each, 100 000 entries stay within one frame.
 */
export const CONSUMER_OFFSET_KEYS_MAX = 100_000;

/**
 * Most read or write queues of one topic. Each queue is a consume-queue folder with its own open
 * files; RocketMQ's largest built-in topic (`BenchmarkTest`) has 1024, and nobody needs 16 times that.
 */
export const QUEUE_NUMS_MAX = 16_384;

/**
 * Most consumer groups with live connections. One heartbeat per client every 30 s keeps them; the
 * bound keeps a client that invents group names from growing the table without end.
 */
export const CONSUMER_GROUPS_MAX = 100_000;

/** Most producer groups with live connections; same reason as {@linkcode CONSUMER_GROUPS_MAX}. */
export const PRODUCER_GROUPS_MAX = 100_000;

/**
 * Most connections registered in one consumer group. NOTIFY_CONSUMER_IDS_CHANGED goes to every
 * member on each change (quadratic traffic), and GET_CONSUMER_LIST_BY_GROUP returns all of their
 * ids in one body. Producer groups have no such cap: `CLIENT_INNER_PRODUCER`, which every client's
 * heartbeat lists, holds one connection per client (the server's connection limit bounds it).
 */
export const CHANNELS_PER_GROUP_MAX = 10_000;

/**
 * Most subscriptions (topics) in one consumer group's heartbeat. A Java push consumer sends one per
 * subscribed topic plus its retry topic; the bound keeps a group's table small. A group with more
 * is refused (SYSTEM_BUSY) while the heartbeat's other groups register; the frame size bounds
 * the heartbeat itself.
 */
export const SUBSCRIPTIONS_PER_GROUP_MAX = 1024;

/**
 * Longest subscription expression accepted (TAG list or SQL92 text). Real tag lists are a few
 * hundred characters; the bound caps the tag set parsed per heartbeat and per pull.
 */
export const SUBSCRIPTION_EXPRESSION_LENGTH_MAX = 64 * 1024;

/**
 * Largest `maxMessageSize` accepted: a send request (header, properties, body) must fit in one
 * frame of {@linkcode FRAME_BYTES_MAX_DEFAULT} bytes, so 64 KiB of it stay for the header and the
 * properties string (RocketMQ 5.x sizes its encode buffer the same way: body max + 64 KiB).
 */
export const MESSAGE_BYTES_MAX = FRAME_BYTES_MAX_DEFAULT - 64 * 1024;

/**
 * Longest client id. RocketMQ builds it as `ip@instanceName[@unitName]`, well under this; the bound
 * keeps a hostile heartbeat from storing megabytes per connection.
 */
export const CLIENT_ID_LENGTH_MAX = 1024;

assert(MESSAGE_BYTES_MAX < FRAME_BYTES_MAX_DEFAULT, "a maximal message must fit one frame");
assert(RETRY_TOPIC_NAME_LENGTH_MAX > TOPIC_NAME_LENGTH_MAX, "retry topics follow the group bound");
assert(
  TOPICS_PER_BROKER_MAX * 200 < FRAME_BYTES_MAX_DEFAULT,
  "a REGISTER_BROKER body with every topic must fit one frame",
);
assert(
  SUBSCRIPTION_EXPRESSION_LENGTH_MAX < FRAME_BYTES_MAX_DEFAULT,
  "an expression must fit in a pull request header",
);

// ---------------------------------------------------------------------------------------------
// Broker core (request processors, long polling, registration) — owned by the broker-core helper.
// ---------------------------------------------------------------------------------------------

/**
 * Most sends waiting for the store at once (appended but not yet answered, e.g. waiting for a
 * SYNC_FLUSH group commit). RocketMQ bounds its send thread pool queue at 10 000
 * (`sendThreadPoolQueueCapacity`) and answers SYSTEM_BUSY beyond it; a send over this bound is
 * refused the same way instead of queueing without end in memory.
 */
export const SENDS_AWAITING_STORE_MAX = 10_000;

/**
 * Longest a send that created its topic waits for the name servers to learn it (ms). A healthy
 * name server answers the registration in milliseconds, so the producer's next route query finds
 * the topic; a silent one must not hold the send for `registerBrokerTimeoutMills` (RocketMQ
 * registers such a topic oneway).
 */
export const SEND_TOPIC_ANNOUNCE_WAIT_MS = 500;

/**
 * Most long-polling pulls parked at once. A Java push consumer parks one pull per assigned queue
 * for up to 15 s; 100 000 covers thousands of consumers with dozens of queues each while keeping
 * the memory of the held requests (a header and a timer each) to a few tens of MiB. A pull that
 * finds the table full is answered SYSTEM_BUSY with a remark: a Java consumer takes any code but
 * the four pull statuses as an exception and pulls again after its 3 s back-off. (PULL_NOT_FOUND
 * would make every refused consumer re-pull at once, a busy loop against a full broker.)
 */
export const PULL_REQUESTS_HELD_MAX = 100_000;

/**
 * Longest hold of one parked pull, whatever `suspendTimeoutMillis` asks. Java clients ask 15 000
 * (push) or 20 000 (lite pull) and time out 15 s later; a hostile value must not keep a request and
 * its timer alive for days.
 */
export const PULL_SUSPEND_TIMEOUT_MS_MAX = 60_000;

/**
 * Most consumer or producer groups in one HEART_BEAT body. A client announces each group it runs
 * (usually one or two plus `CLIENT_INNER_PRODUCER`); the bound caps the work one heartbeat does.
 */
export const HEARTBEAT_GROUPS_MAX = 1024;

/**
 * Largest `registerBrokerTimeoutMills`, the wait for one name server to answer REGISTER_BROKER
 * or UNREGISTER_BROKER (default 6000 ms as 4.9.8; 5.x uses 24 000): start, stop and each round
 * wait at most this long for a silent name server.
 */
export const REGISTER_BROKER_TIMEOUT_MS_MAX = 60_000;

/**
 * Most name server addresses in `namesrvAddr`. The broker registers with each of them every 30 s;
 * real deployments use two to five.
 */
export const NAMESRV_ADDRS_MAX = 64;

/**
 * Longest wait for a oneway NOTIFY_CONSUMER_IDS_CHANGED to find room in a client's outbound queue;
 * a client that reads nothing must not hold up the heartbeat of another.
 */
export const NOTIFY_CONSUMER_IDS_CHANGED_TIMEOUT_MS = 1_000;

/**
 * Longest wait for an admin push to a client (RESET_CONSUMER_CLIENT_OFFSET) to find room in its
 * outbound queue: RocketMQ's `Broker2Client` gives its oneway invocations 5 s.
 */
export const CLIENT_PUSH_TIMEOUT_MS = 5_000;

/**
 * Longest wait for a client's answer to a relayed admin request (GET_CONSUMER_RUNNING_INFO,
 * CONSUME_MESSAGE_DIRECTLY): RocketMQ's `Broker2Client.callClient` waits 10 s.
 */
export const CALL_CLIENT_TIMEOUT_MS = 10_000;

/**
 * Longest wait for each client's answer to GET_CONSUMER_STATUS_FROM_CLIENT while gathering
 * INVOKE_BROKER_TO_GET_CONSUMER_STATUS: RocketMQ's `Broker2Client.getConsumeStatus` waits 5 s, and
 * `mqadmin getConsumerStatus` itself gives up after 5 s, so the clients are asked all at once.
 */
export const CONSUMER_STATUS_TIMEOUT_MS = 5_000;

/**
 * Largest INVOKE_BROKER_TO_GET_CONSUMER_STATUS body: every client's offsets in one answer, which
 * must fit a frame with room for the header. A group of many broadcasting clients on a topic with
 * many queues would exceed it; the admin then gets SYSTEM_ERROR and can name one client.
 */
export const CONSUMER_STATUS_BODY_BYTES_MAX = FRAME_BYTES_MAX_DEFAULT - 64 * 1024;

assert(PULL_SUSPEND_TIMEOUT_MS_MAX >= 20_000, "Java lite pull consumers hold pulls for 20 s");

/** Longest wait for the broker's HTTP admin to finish its requests at shutdown. */
export const HTTP_SHUTDOWN_WAIT_MS = 3_000;

// ---------------------------------------------------------------------------------------------
// Broker extras (send-back, delay levels, queue locks) — owned by the broker-extras helper.
// ---------------------------------------------------------------------------------------------

/**
 * Most delay levels in `messageDelayLevel`. Each level has its own consume queue of
 * `SCHEDULE_TOPIC_XXXX` and its own delivery timer; RocketMQ ships 18 and clients only ask for
 * levels up to 18 (3 + 16 retries in the last retry), so 256 leaves ample room.
 */
export const DELAY_LEVELS_MAX = 256;

/**
 * Longest delay of one level (366 days). A delivery time is store time + delay and must stay an
 * exact integer; a message older than `fileReservedTime` (72 h) is deleted long before anyway.
 */
export const DELAY_LEVEL_MS_MAX = 366 * 24 * 60 * 60 * 1000;

/**
 * Longest single wait of a delivery timer. Delivery times are wall-clock times, but a timer
 * counts monotonic time, which does not follow a wall-clock step (NTP) nor run while the host
 * is suspended; a level waiting for a later message looks again after at most this long, so a
 * message made due by such a jump is late by at most 1 s (RocketMQ re-checks every 100 ms,
 * `DELAY_FOR_A_WHILE`). An armed level costs one consume-queue read per second; an idle one none.
 */
export const SCHEDULE_TIMER_DELAY_MS_MAX = 1_000;

/**
 * Most messages one level re-puts in one run. A backlog (a broker restarted after hours) is then
 * delivered in runs that each end, so `shutdown()` and `deliverDue()` never wait for an unbounded
 * loop; the level is re-armed at once for the next run.
 */
export const SCHEDULE_DELIVERIES_PER_RUN_MAX = 4_096;

/**
 * Most queues in one LOCK_BATCH_MQ / UNLOCK_BATCH_MQ body. An orderly consumer locks every queue
 * it was assigned on a broker, for all its topics; a topic has at most {@linkcode QUEUE_NUMS_MAX}.
 */
export const LOCK_BATCH_MQ_SET_MAX = QUEUE_NUMS_MAX;

/**
 * Most (group, queue) entries in the rebalance lock table. RocketMQ never shrinks its table; here
 * expired entries are dropped when it fills, and new locks are refused (left out of the reply, as
 * a lock held by another client is) while every entry is live. About 150 bytes per entry: 200 000
 * entries stay near 30 MiB.
 */
export const REBALANCE_LOCK_ENTRIES_MAX = 200_000;

/**
 * Most consume-queue units one QUERY_CONSUME_QUEUE (`mqadmin queryCq -c`) asks for; more is refused.
 * RocketMQ's only bound is the end of the consume-queue file holding the index (300 000 units,
 * about 30 MB of JSON). This is a debugging view (`queryCq` asks for 10 by default); at about
 * 100 bytes of JSON per unit, 1024 units stay near 100 KiB.
 */
export const QUERY_CONSUME_QUEUE_COUNT_MAX = 1024;

assert(DELAY_LEVELS_MAX >= 18, "RocketMQ's default messageDelayLevel has 18 levels");
assert(
  Number.isSafeInteger(4_102_444_800_000 + DELAY_LEVEL_MS_MAX),
  "a delivery time (store time + longest delay) must be an exact integer",
);
assert(SCHEDULE_TIMER_DELAY_MS_MAX <= 2_147_483_647, "a delivery timer fits setTimeout's range");
assert(LOCK_BATCH_MQ_SET_MAX <= REBALANCE_LOCK_ENTRIES_MAX, "one lock request fits the table");
assert(
  QUERY_CONSUME_QUEUE_COUNT_MAX * 256 < FRAME_BYTES_MAX_DEFAULT,
  "a QUERY_CONSUME_QUEUE body (at most 256 bytes per unit) fits one frame",
);
