/**
 * Compatibility: a third-party RocketMQ client, ali-ons from npm (the TCP remoting protocol
 * written in JavaScript, run by Node), drives `namesrv/main.ts` and `broker/main.ts` (separate
 * child processes) through produce → consume with a clustering consumer group and a tag
 * expression. This catches what real clients do that a plain reading of the protocol misses.
 *
 * Needs Node and npm on the PATH: the first run installs `tests/compat/node_modules` with
 * `npm ci` from the committed lock file. Without npm the test fails, it does not skip.
 */
import assert from "node:assert/strict";
import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { RemotingClient } from "../protocol/remoting_client.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RequestCode } from "../protocol/request_code.ts";
import { ResponseCode } from "../protocol/response_code.ts";
import { updateTopicRequest } from "./broker_test_client.ts";
import { spawnBroker, type SpawnedMain, spawnNamesrv } from "./broker_test_env.ts";

const COMPAT_DIR = new URL("./compat/", import.meta.url).pathname;
const NPM_CI_TIMEOUT_MS = 120_000;
const ROUND_TRIP_DEADLINE_MS = 45_000;
const ROUTE_WAIT_MS = 10_000;
const MESSAGES = 30;
const TOPIC = "CompatAliOnsTopic";

/** Runs a command with a deadline; returns code and output. */
async function run(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      cwd: options.cwd,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot run ${command}: not found on PATH; the ali-ons compatibility test needs Node 18+ and npm`,
        { cause: error },
      );
    }
    throw error;
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  try {
    const output = await child.output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

async function ensureNodeModules(): Promise<void> {
  const installed = await Deno.stat(`${COMPAT_DIR}node_modules/ali-ons/package.json`).then(
    () => true,
    (error) => {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    },
  );
  if (installed) return;
  const npm = await run("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: COMPAT_DIR,
    timeoutMs: NPM_CI_TIMEOUT_MS,
  });
  assert.equal(
    npm.code,
    0,
    `Cannot install ali-ons with npm ci in ${COMPAT_DIR}: exit ${npm.code}\n${npm.stderr}`,
  );
}

/**
 * Creates the topic (ali-ons, unlike the Java client, does not fall back to TBW102 for an unknown
 * topic) and waits until the name server serves its route: the broker re-registers shortly after
 * the change, in another process, so this retries GET_ROUTEINTO_BY_TOPIC under a deadline.
 */
async function createTopic(
  client: RemotingClient,
  brokerAddr: string,
  namesrvAddr: string,
): Promise<void> {
  const create = await client.invoke(
    brokerAddr,
    updateTopicRequest(TOPIC),
    5_000,
  );
  assert.equal(create.code, ResponseCode.SUCCESS, `create topic: ${create.remark}`);
  const deadline = Date.now() + ROUTE_WAIT_MS;
  for (;;) {
    const route = await client.invoke(
      namesrvAddr,
      createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: TOPIC } }),
      5_000,
    );
    if (route.code === ResponseCode.SUCCESS) return;
    assert.equal(route.code, ResponseCode.TOPIC_NOT_EXIST, `route query: ${route.remark}`);
    assert.ok(Date.now() < deadline, `No route for ${TOPIC} after ${ROUTE_WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("ali-ons producer and clustering consumer round-trip through namesrv and broker", async () => {
  await ensureNodeModules();
  const dir = await Deno.makeTempDir({ prefix: "edgemq_compat_" });
  const client = new RemotingClient({
    transport: new DenoTcpTransport(),
    logger: silentRemotingLogger,
  });
  let namesrv: SpawnedMain | undefined;
  let broker: SpawnedMain | undefined;
  try {
    const ns = await spawnNamesrv(dir);
    namesrv = ns.process;
    const br = await spawnBroker({
      dir,
      namesrvAddr: ns.address,
      brokerName: "broker-compat",
      mappedFileSizeCommitLog: 16 * 1024 * 1024,
    });
    broker = br.process;
    await createTopic(client, br.address, ns.address);
    const result = await run(
      "node",
      [
        `${COMPAT_DIR}ali_ons_roundtrip.mjs`,
        ns.address,
        TOPIC,
        "--count",
        String(MESSAGES),
        "--deadline-ms",
        String(ROUND_TRIP_DEADLINE_MS),
      ],
      { timeoutMs: ROUND_TRIP_DEADLINE_MS + 10_000 },
    );
    const context = `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}` +
      `\nbroker:\n${broker.lines.join("\n")}`;
    assert.equal(result.code, 0, `ali-ons round trip failed: ${context}`);
    const summary = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}");
    const wanted = MESSAGES - Math.floor(MESSAGES / 3); // every third message is TagC
    assert.equal(summary.ok, true, context);
    assert.equal(summary.sent, MESSAGES, context);
    assert.equal(summary.received, wanted, context);
    assert.equal(summary.expected, wanted, context);
    assert.equal(summary.duplicates, 0, context);
    assert.ok(summary.queues > 1, `messages spread over queues: ${context}`);
    // ali-ons asks for the new group's %RETRY% route before its first heartbeat creates that
    // topic; Apache RocketMQ answers TOPIC_NOT_EXIST (17) there too. PULL_NOT_FOUND (19) and
    // PULL_RETRY_IMMEDIATELY (20) are ordinary pull outcomes (no new message; only filtered-out
    // tags scanned), which of them occur depends on timing. Nothing else may fail.
    const pullOutcomes = [ResponseCode.PULL_NOT_FOUND, ResponseCode.PULL_RETRY_IMMEDIATELY]
      .map((code) => `${code}:`);
    const unexpected = Object.keys(summary.errorResponses).filter((key) =>
      !key.startsWith(
        `${ResponseCode.TOPIC_NOT_EXIST}:No topic route info in name server for the topic: %RETRY%`,
      ) && !pullOutcomes.some((prefix) => key.startsWith(prefix))
    );
    assert.deepEqual(unexpected, [], context);
    assert.deepEqual(summary.problems, [], context);
    console.log(`ali-ons request codes: ${JSON.stringify(summary.requestCodes)}`);
  } finally {
    await client.shutdown();
    const codes = [await broker?.stop(), await namesrv?.stop()];
    await Deno.remove(dir, { recursive: true });
    assert.deepEqual(codes.filter((c) => c !== undefined && c !== 0), [], "clean shutdown");
  }
});
