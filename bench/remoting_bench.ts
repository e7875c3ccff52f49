/**
 * Remoting round trips per second over loopback, EdgeMQ's RemotingServer + RemotingClient against a
 * raw TCP echo of the same frame bytes (no codec, no dispatch) measured in the same run with the same
 * layout: server in a child process, one connection, 1 and 16 requesters that each await their
 * response before sending again. The request is GET_MAX_OFFSET-like (2 ext fields), the response has
 * 1 ext field. Target: ≥ 50,000 round trips/s with 16 requesters on 2 cores.
 *
 * Run: `npx deno run -A bench/remoting_bench.ts [durationMs]`
 *
 * @module
 */

import { DenoTcpTransport } from "../protocol/adapters/deno_tcp_transport.ts";
import { encodeCommand } from "../protocol/command_codec.ts";
import { createRequest } from "../protocol/remoting_command.ts";
import type { RemotingCommand } from "../protocol/remoting_command.ts";
import { RemotingClient } from "../protocol/remoting_client.ts";
import { silentRemotingLogger } from "../protocol/remoting_logger.ts";

const GET_MAX_OFFSET = 30;
const WARMUP_MS = 500;

function sampleRequest(): RemotingCommand {
  return createRequest(GET_MAX_OFFSET, {
    extFields: { topic: "BenchmarkTopic", queueId: "3" },
    language: "JAVA",
  });
}

interface ChildServer {
  port: number;
  stop(): Promise<void>;
}

async function spawnServer(mode: "remoting" | "echo"): Promise<ChildServer> {
  const script = new URL("./_remoting_bench_server.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, mode],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) {
      throw new Error(`Cannot start ${mode} bench server: it exited before printing a port`);
    }
    text += value;
  }
  const port = Number(text.split("\n")[0]);
  return {
    port,
    async stop() {
      await child.stdin.close();
      await reader.cancel();
      await child.status;
    },
  };
}

/** Runs `requesters` loops of `roundTrip` for `durationMs` after a warm-up; returns round trips/s. */
async function measure(
  requesters: number,
  durationMs: number,
  roundTrip: () => Promise<void>,
): Promise<number> {
  let phase: "warmup" | "measure" | "stop" = "warmup";
  let count = 0;
  const loop = async () => {
    while (phase !== "stop") {
      await roundTrip();
      if (phase === "measure") count++;
    }
  };
  const loops = Array.from({ length: requesters }, loop);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  phase = "measure";
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const elapsedMs = performance.now() - start;
  const measured = count;
  phase = "stop";
  await Promise.all(loops);
  return Math.round(measured / (elapsedMs / 1000));
}

async function benchRemoting(requesters: number, durationMs: number): Promise<number> {
  const server = await spawnServer("remoting");
  const client = new RemotingClient({
    transport: new DenoTcpTransport(),
    logger: silentRemotingLogger,
  });
  const address = `127.0.0.1:${server.port}`;
  try {
    return await measure(requesters, durationMs, async () => {
      const response = await client.invoke(address, sampleRequest(), 3000);
      if (response.code !== 0) throw new Error(`GET_MAX_OFFSET failed: ${response.code}`);
    });
  } finally {
    await client.shutdown();
    await server.stop();
  }
}

/** Raw client: one connection, writes the frame, frames echoes by length prefix only (FIFO). */
async function benchEcho(requesters: number, durationMs: number): Promise<number> {
  const server = await spawnServer("echo");
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  conn.setNoDelay(true);
  const frame = encodeCommand(sampleRequest());
  const waiters: (() => void)[] = [];
  let waitersHead = 0;
  const reading = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    let carry = 0;
    while (true) {
      const n = await conn.read(buffer.subarray(carry)).catch(() => null);
      if (n === null) return;
      let end = carry + n;
      let p = 0;
      while (end - p >= 4) {
        const length = new DataView(buffer.buffer, p, 4).getInt32(0) + 4;
        if (end - p < length) break;
        p += length;
        waiters[waitersHead++]();
      }
      buffer.copyWithin(0, p, end);
      carry = end - p;
      end = carry;
      if (waitersHead > 4096 && waitersHead === waiters.length) {
        waiters.length = 0;
        waitersHead = 0;
      }
    }
  })();
  try {
    return await measure(requesters, durationMs, async () => {
      const answered = new Promise<void>((resolve) => waiters.push(resolve));
      let offset = 0;
      while (offset < frame.length) offset += await conn.write(frame.subarray(offset));
      await answered;
    });
  } finally {
    conn.close();
    await reading;
    await server.stop();
  }
}

async function codecFigures(): Promise<string[]> {
  const url = new URL("./codec_bench.ts", import.meta.url);
  try {
    await Deno.stat(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return ["codec bench: bench/codec_bench.ts not found"];
    }
    throw error;
  }
  const mod = await import(url.href);
  if (typeof mod.runCodecBench !== "function") return ["codec bench: no runCodecBench export"];
  const results: { name: string; opsPerSec: number }[] = await mod.runCodecBench({
    durationMs: 500,
  });
  return results.map((r) => `  ${r.name.padEnd(40)} ${r.opsPerSec.toLocaleString("en-US")} ops/s`);
}

if (import.meta.main) {
  const durationMs = Number(Deno.args[0] ?? 3000);
  console.log(
    `remoting round trips over loopback (${durationMs} ms per case, server in a child process)`,
  );
  console.log(`request ${encodeCommand(sampleRequest()).length} bytes (JSON header)`);
  for (const requesters of [1, 16]) {
    const ours = await benchRemoting(requesters, durationMs);
    const raw = await benchEcho(requesters, durationMs);
    console.log(
      `  ${String(requesters).padStart(2)} requester(s): remoting ${
        ours.toLocaleString("en-US")
      } rt/s, ` +
        `raw echo ${raw.toLocaleString("en-US")} rt/s, ratio ${(ours / raw).toFixed(2)}`,
    );
  }
  console.log("codec (bench/codec_bench.ts runCodecBench):");
  for (const line of await codecFigures()) console.log(line);
}
