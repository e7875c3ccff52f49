/**
 * Child process of `remoting_bench.ts`: serves either EdgeMQ's RemotingServer (mode "remoting") or a
 * raw TCP echo without any codec (mode "echo") on 127.0.0.1, prints the port on the first stdout line,
 * and exits when its stdin closes.
 *
 * Run by the bench: `deno run -A bench/_remoting_bench_server.ts remoting|echo`
 *
 * @module
 */

import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { createResponse } from "../protocol/remoting_command.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";
import { RemotingServer } from "../protocol/remoting_server.ts";

/** GET_MAX_OFFSET (spec codes.md). */
const GET_MAX_OFFSET = 30;

async function waitForStdinEnd(): Promise<void> {
  for await (const _ of Deno.stdin.readable) {
    // the parent never writes; the loop ends when it closes our stdin
  }
}

async function serveRemoting(): Promise<void> {
  const server = new RemotingServer({
    transport: new DenoTcpTransport(),
    hostname: "127.0.0.1",
    listenPort: 0,
    logger: silentRemotingLogger,
  });
  const responseFields = { offset: "1234567" };
  server.registerProcessor(
    GET_MAX_OFFSET,
    (request) => createResponse(request, 0, undefined, responseFields),
  );
  await server.start();
  console.log(server.port);
  await waitForStdinEnd();
  await server.shutdown({ gracefulTimeoutMs: 100 });
}

function isClosed(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BadResource;
}

async function echo(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  const buffer = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      let offset = 0;
      while (offset < n) offset += await conn.write(buffer.subarray(offset, n));
    }
  } catch (error) {
    if (!isClosed(error)) throw error;
  }
  try {
    conn.close();
  } catch (error) {
    if (!isClosed(error)) throw error;
  }
}

async function serveEcho(): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(listener.addr.port);
  const loops: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) loops.push(echo(conn));
  })();
  await waitForStdinEnd();
  listener.close();
  await accepting;
  await Promise.all(loops);
}

if (import.meta.main) {
  const mode = Deno.args[0];
  if (mode === "remoting") await serveRemoting();
  else if (mode === "echo") await serveEcho();
  else throw new Error(`Unknown mode ${mode}: expected remoting or echo`);
}
