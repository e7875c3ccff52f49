/**
 * `deno task mqadmin <command> [-n namesrvAddr] [options]`: RocketMQ's `mqadmin` for EdgeMQ (and
 * any RocketMQ cluster). Reads the arguments and `NAMESRV_ADDR`, prints to stdout / stderr, saves
 * message bodies under `<tmp>/rocketmq/msgbodys/` and consumerStatus reports under `<now>/` as
 * RocketMQ does, stops clusterList's `-i` loop on Ctrl-C, and exits with the command's code (0 ok,
 * 1 failed). `-h` lists the commands.
 *
 * @module
 */

import { runMQAdmin } from "./mqadmin.ts";

const encoder = new TextEncoder();

function writerOf(file: { writeSync(p: Uint8Array): number }) {
  return {
    write(text: string): void {
      let bytes = encoder.encode(text);
      while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
    },
  };
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      return undefined;
    }
    throw error;
  }
}

/** RocketMQ's body file: `/tmp/rocketmq/msgbodys/<msgId>` (`TMPDIR` when set). */
async function saveMessageBody(msgId: string, body: Uint8Array): Promise<string> {
  const dir = `${readEnv("TMPDIR") ?? "/tmp"}/rocketmq/msgbodys`;
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${msgId}`;
  await Deno.writeFile(path, body);
  return path;
}

/** RocketMQ `MixAll.string2FileNotSafe`: the file, its folder created (consumerStatus). */
async function saveTextFile(path: string, text: string): Promise<string> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  await Deno.writeTextFile(path, text);
  return path;
}

async function main(): Promise<number> {
  const interrupted = new AbortController();
  const onInterrupt = () => interrupted.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    return await runMQAdmin(Deno.args, {
      out: writerOf(Deno.stdout),
      err: writerOf(Deno.stderr),
      namesrvAddr: readEnv("NAMESRV_ADDR"),
      signal: interrupted.signal,
      saveMessageBody,
      saveTextFile,
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}

Deno.exitCode = await main();
