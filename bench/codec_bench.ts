/**
 * Codec throughput: encode + decode of a small request (5 ext fields, 16-byte body) per serialize
 * type, encode and decode alone, FrameDecoderStream over 64 KiB chunks, and one zod header decode
 * (PULL_MESSAGE, 10 fields). Target: ≥ 1,000,000 encode+decode per second on one core.
 *
 * Run: `npx deno run -A bench/codec_bench.ts`
 *
 * @module
 */

import { decodeCommand, encodeCommand } from "../protocol/command_codec.ts";
import { FrameDecoderStream } from "../protocol/frame_decoder_stream.ts";
import type { RemotingCommand, SerializeType } from "../protocol/remoting_command.ts";
import { decodeHeader } from "../protocol/headers/header_codec.ts";
import { PullMessageRequestHeader } from "../protocol/headers/pull_message_header.ts";

/** Options of {@linkcode runCodecBench}. */
export interface CodecBenchOptions {
  /** measuring time per case in ms; default 1000 */
  durationMs?: number;
}

/** One figure. */
export interface CodecBenchResult {
  /** case name, e.g. "JSON encode+decode" */
  name: string;
  /** operations (commands) per second */
  opsPerSec: number;
}

function sampleRequest(serializeType: SerializeType, opaque: number): RemotingCommand {
  return {
    code: 11,
    language: "JAVA",
    version: 409,
    opaque,
    flag: 0,
    extFields: {
      consumerGroup: "please_rename_unique_group_name",
      topic: "TopicTest",
      queueId: "3",
      queueOffset: "123456789",
      maxMsgNums: "32",
    },
    body: new Uint8Array(16),
    serializeType,
  };
}

function pullRequest(): RemotingCommand {
  return {
    ...sampleRequest("JSON", 1),
    extFields: {
      consumerGroup: "please_rename_unique_group_name",
      topic: "TopicTest",
      queueId: "3",
      queueOffset: "123456789",
      maxMsgNums: "32",
      sysFlag: "2",
      commitOffset: "0",
      suspendTimeoutMillis: "15000",
      subVersion: "1700000000000",
      expressionType: "TAG",
    },
  };
}

/**
 * Runs `op` in rounds of `batch` calls for about `durationMs` and returns the best round's rate:
 * the best round is the least disturbed by other processes and by GC of earlier cases.
 */
function measure(durationMs: number, batch: number, op: (i: number) => void): number {
  for (let i = 0; i < batch * 4; i++) op(i % batch); // warm up
  let best = 0;
  const deadline = performance.now() + durationMs;
  while (performance.now() < deadline) {
    const start = performance.now();
    for (let round = 0; round < 16; round++) {
      for (let i = 0; i < batch; i++) op(i);
    }
    const elapsedMs = performance.now() - start;
    best = Math.max(best, (16 * batch) / (elapsedMs / 1000));
  }
  return Math.round(best);
}

/** FrameDecoderStream fed 64 KiB chunks of back-to-back frames, frames straddling chunk ends. */
async function measureStream(serializeType: SerializeType, durationMs: number): Promise<number> {
  const frame = encodeCommand(sampleRequest(serializeType, 1)).slice();
  const framesPerRun = Math.ceil((64 * 65536) / frame.length);
  const run = new Uint8Array(framesPerRun * frame.length);
  for (let i = 0; i < framesPerRun; i++) run.set(frame, i * frame.length);
  const stream = new FrameDecoderStream();
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let commands = 0;
  const reading = (async () => {
    while (!(await reader.read()).done) commands++;
  })();
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    for (let offset = 0; offset < run.length; offset += 65536) {
      await writer.write(run.subarray(offset, Math.min(offset + 65536, run.length)));
    }
  }
  await writer.close();
  await reading;
  return Math.round(commands / ((performance.now() - start) / 1000));
}

/**
 * Measures the codec.
 *
 * @param options measuring time per case
 * @returns one figure per case, both serialize types
 */
export async function runCodecBench(options: CodecBenchOptions = {}): Promise<CodecBenchResult[]> {
  const durationMs = options.durationMs ?? 1000;
  const results: CodecBenchResult[] = [];
  for (const type of ["JSON", "ROCKETMQ"] as const) {
    const commands = Array.from({ length: 1024 }, (_, i) => sampleRequest(type, i));
    const frames = commands.map((c) => encodeCommand(c).subarray(4));
    let sink = 0;
    results.push({
      name: `${type} encode+decode`,
      opsPerSec: measure(durationMs, 1024, (i) => {
        sink += decodeCommand(encodeCommand(commands[i]).subarray(4)).opaque;
      }),
    });
    results.push({
      name: `${type} encode`,
      opsPerSec: measure(durationMs, 1024, (i) => {
        sink += encodeCommand(commands[i]).length;
      }),
    });
    results.push({
      name: `${type} decode`,
      opsPerSec: measure(durationMs, 1024, (i) => {
        sink += decodeCommand(frames[i]).opaque;
      }),
    });
    results.push({
      name: `${type} FrameDecoderStream`,
      opsPerSec: await measureStream(type, durationMs),
    });
    if (sink === -1) console.log(sink);
  }
  const pull = pullRequest();
  let queueIds = 0;
  results.push({
    name: "PULL_MESSAGE decodeHeader (zod)",
    opsPerSec: measure(durationMs, 1024, () => {
      queueIds += decodeHeader(PullMessageRequestHeader, pull).queueId;
    }),
  });
  if (queueIds === -1) console.log(queueIds);
  return results;
}

if (import.meta.main) {
  for (const { name, opsPerSec } of await runCodecBench()) {
    console.log(`${name.padEnd(30)} ${opsPerSec.toLocaleString("en-US").padStart(12)} ops/s`);
  }
}
