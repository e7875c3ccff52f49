import assert from "node:assert/strict";
import { DenoTcpTransport } from "../../protocol/adapters/deno_tcp_transport.ts";
import { HeaderDecodeError } from "../../protocol/errors.ts";
import type { RemotingChannel } from "../../protocol/remoting_channel.ts";
import { RemotingClient } from "../../protocol/remoting_client.ts";
import {
  createRequest,
  createResponse,
  FLAG_ONEWAY,
  type RemotingCommand,
} from "../../protocol/remoting_command.ts";
import { RemotingServer } from "../../protocol/remoting_server.ts";
import { ResponseCode } from "../../protocol/response_code.ts";
import { Latch, MemoryLogger, withDeadline } from "../../protocol/_remoting_testing.ts";
import { BrokerError } from "../broker_error.ts";
import { guardProcessor } from "./_processor_support.ts";

const SYNC_OK = 2000;
const SYNC_BROKER_ERROR = 2001;
const ASYNC_BROKER_ERROR = 2002;
const ASYNC_UNKNOWN = 2003;
const SYNC_BAD_HEADER = 2004;
const ONEWAY_FAILS = 2005;

Deno.test("guardProcessor answers thrown and rejected errors with their codes, sync answers at once", async () => {
  const transport = new DenoTcpTransport();
  const logger = new MemoryLogger();
  const server = new RemotingServer({ transport, hostname: "127.0.0.1", listenPort: 0, logger });
  const results: unknown[] = [];
  const onewayFailed = new Latch();
  const register = (
    code: number,
    body: (r: RemotingCommand, c: RemotingChannel) => RemotingCommand | Promise<RemotingCommand>,
  ) => {
    const guarded = guardProcessor(logger, body);
    server.registerProcessor(code, (request, channel) => {
      const result = guarded(request, channel);
      results.push(result);
      if (code === ONEWAY_FAILS) {
        (result as Promise<unknown>).then((r) => {
          results.push(r);
          onewayFailed.resolve();
        });
      }
      return result;
    });
  };
  register(SYNC_OK, (r) => createResponse(r, ResponseCode.SUCCESS, "fine"));
  register(SYNC_BROKER_ERROR, () => {
    throw new BrokerError(ResponseCode.NO_PERMISSION, "the topic[T] sending message is forbidden");
  });
  register(
    ASYNC_BROKER_ERROR,
    () => Promise.reject(new BrokerError(ResponseCode.TOPIC_NOT_EXIST, "topic[T9] not exist")),
  );
  register(ASYNC_UNKNOWN, () => Promise.reject(new TypeError("boom")));
  register(SYNC_BAD_HEADER, () => {
    throw new HeaderDecodeError("Cannot decode SEND_MESSAGE header: topic is missing");
  });
  register(ONEWAY_FAILS, () => Promise.reject(new TypeError("nobody hears this")));
  await server.start();
  const client = new RemotingClient({ transport, logger });
  const address = `127.0.0.1:${server.port}`;
  try {
    const invoke = (code: number) => client.invoke(address, createRequest(code), 5000);
    const ok = await invoke(SYNC_OK);
    assert.equal(ok.code, ResponseCode.SUCCESS);
    assert.ok(!(results[0] instanceof Promise), "a synchronous answer is not wrapped in a promise");
    const forbidden = await invoke(SYNC_BROKER_ERROR);
    assert.equal(forbidden.code, ResponseCode.NO_PERMISSION);
    assert.equal(forbidden.remark, "the topic[T] sending message is forbidden");
    const missing = await invoke(ASYNC_BROKER_ERROR);
    assert.equal(missing.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(missing.remark, "topic[T9] not exist");
    const unknown = await invoke(ASYNC_UNKNOWN);
    assert.equal(unknown.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(unknown.remark, "TypeError: boom");
    const badHeader = await invoke(SYNC_BAD_HEADER);
    assert.equal(badHeader.code, ResponseCode.SYSTEM_ERROR);
    assert.match(badHeader.remark ?? "", /topic is missing/);
    const oneway = createRequest(ONEWAY_FAILS);
    oneway.flag |= FLAG_ONEWAY;
    await client.invokeOneway(address, oneway, 5000);
    await withDeadline(onewayFailed.promise, 5000, "the oneway request to fail");
    assert.equal(results.at(-1), null, "a oneway request gets no response");
    assert.ok(logger.lines.some((l) => l.includes("TypeError: boom")), "unknown errors are logged");
  } finally {
    await client.shutdown();
    await server.shutdown({ gracefulTimeoutMs: 1000 });
  }
});
