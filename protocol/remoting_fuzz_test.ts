/**
 * Fuzz: hostile connections throw random and malformed bytes at a live server while a well-behaved
 * client keeps doing request/response beside them. Seeded; set FUZZ_SEED to replay a failure.
 */
import assert from "node:assert/strict";
import { DenoTcpTransport } from "./adapters/deno_tcp_transport.ts";
import { encodeCommand } from "./command_codec.ts";
import { RemotingClient } from "./remoting_client.ts";
import { createRequest, createResponse } from "./remoting_command.ts";
import { RemotingServer } from "./remoting_server.ts";
import { MemoryLogger, withDeadline } from "./_remoting_testing.ts";

const ECHO = 1000;
const FRAME_BYTES_MAX = 1024 * 1024;
const HOSTILE_CONNECTIONS = 5000;
const CONCURRENCY = 16;
const TIME_BUDGET_MS = 3000;
const DEADLINE_MS = 10_000;

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);

function randomBytes(r: Rand, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = int(r, 256);
  return out;
}

function frame(
  typeByte: number,
  header: Uint8Array,
  body: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const out = new Uint8Array(8 + header.length + body.length);
  const view = new DataView(out.buffer);
  view.setInt32(0, 4 + header.length + body.length);
  view.setInt32(4, (typeByte << 24) | header.length);
  out.set(header, 8);
  out.set(body, 8 + header.length);
  return out;
}

function randomJsonValue(r: Rand, depth: number): unknown {
  switch (int(r, depth > 2 ? 5 : 7)) {
    case 0:
      return int(r, 2) === 0 ? int(r, 1 << 20) : r() * 1e12 - 5e11;
    case 1:
      return String.fromCharCode(...randomBytes(r, int(r, 12)));
    case 2:
      return int(r, 2) === 0;
    case 3:
      return null;
    case 4:
      return ["JAVA", "GO", "", "\u0000", 99][int(r, 5)];
    case 5:
      return Array.from({ length: int(r, 4) }, () => randomJsonValue(r, depth + 1));
    default: {
      const keys = ["code", "language", "version", "opaque", "flag", "remark", "extFields", "x"];
      const o: Record<string, unknown> = {};
      for (let i = int(r, 6); i > 0; i--) {
        o[keys[int(r, keys.length)]] = randomJsonValue(r, depth + 1);
      }
      return o;
    }
  }
}

function validFrame(r: Rand): Uint8Array {
  return encodeCommand(createRequest(ECHO, {
    opaque: int(r, 1000),
    extFields: { k: "v" },
    body: randomBytes(r, int(r, 64)),
    serializeType: int(r, 2) === 0 ? "JSON" : "ROCKETMQ",
  }));
}

/** One hostile payload, chosen by the PRNG. */
function attack(r: Rand): Uint8Array {
  switch (int(r, 8)) {
    case 0:
      return randomBytes(r, 1 + int(r, 2000));
    case 1: {
      const f = validFrame(r);
      return f.subarray(0, int(r, f.length));
    }
    case 2: {
      const prefix = new Uint8Array(8);
      new DataView(prefix.buffer).setInt32(
        0,
        FRAME_BYTES_MAX + 1 + int(r, 0x7fffffff - FRAME_BYTES_MAX - 1),
      );
      return prefix;
    }
    case 3: {
      const f = frame(int(r, 2), randomBytes(r, 10));
      new DataView(f.buffer).setInt32(4, (f[4] << 24) | (11 + int(r, 0xffffff - 11)));
      return f;
    }
    case 4: {
      const text = JSON.stringify(randomJsonValue(r, 0)) ?? "null";
      return frame(0, new TextEncoder().encode(text), randomBytes(r, int(r, 8)));
    }
    case 5:
      return frame(1, randomBytes(r, int(r, 64)), randomBytes(r, int(r, 8)));
    case 6: {
      const f = validFrame(r);
      const junk = randomBytes(r, 1 + int(r, 100));
      const out = new Uint8Array(f.length + junk.length);
      out.set(f);
      out.set(junk, f.length);
      return out;
    }
    default:
      return frame(2 + int(r, 254), randomBytes(r, int(r, 32)));
  }
}

/** Sends a payload in 1 to 3 writes, half-closes, and reads until the server closes. */
async function hostile(
  transport: DenoTcpTransport,
  port: number,
  payload: Uint8Array,
  cut: number,
) {
  const connection = await transport.connect({ hostname: "127.0.0.1", port });
  try {
    const writer = connection.writable.getWriter();
    const at = Math.min(cut, payload.length);
    if (at > 0) await writer.write(payload.subarray(0, at));
    if (at < payload.length) await writer.write(payload.subarray(at));
    await writer.close();
    const reader = connection.readable.getReader();
    while (!(await reader.read()).done) {
      // the server may answer parts that decoded; it must close in the end
    }
  } finally {
    connection.close();
  }
}

Deno.test("RemotingServer survives hostile connections while serving a well-behaved client", async () => {
  const seed = Number(Deno.env.get("FUZZ_SEED") ?? 0x5eed_2024);
  const r = prng(seed);
  const transport = new DenoTcpTransport();
  const logger = new MemoryLogger();
  const server = new RemotingServer({
    transport,
    hostname: "127.0.0.1",
    listenPort: 0,
    logger,
    frameBytesMax: FRAME_BYTES_MAX,
  });
  server.registerProcessor(
    ECHO,
    (req) => createResponse(req, 0, undefined, req.extFields, req.body),
  );
  await server.start();
  const client = new RemotingClient({ transport, logger });
  const address = `127.0.0.1:${server.port}`;
  let stop = false;
  let answered = 0;
  const wellBehaved = (async () => {
    const mine = prng(seed ^ 0xabcdef);
    while (!stop) {
      const body = randomBytes(mine, int(mine, 512));
      const n = String(answered);
      const response = await client.invoke(
        address,
        createRequest(ECHO, { extFields: { n }, body }),
        3000,
      );
      assert.equal(response.code, 0, `seed ${seed}: well-behaved request ${n} failed`);
      assert.equal(response.extFields?.n, n, `seed ${seed}: response matched to the wrong request`);
      assert.deepEqual(response.body ?? new Uint8Array(0), body, `seed ${seed}: body changed`);
      answered++;
    }
  })();
  try {
    const started = Date.now();
    let launched = 0;
    const worker = async () => {
      while (launched < HOSTILE_CONNECTIONS && Date.now() - started < TIME_BUDGET_MS) {
        const payload = attack(r);
        const cut = int(r, payload.length + 1);
        launched++;
        const done = hostile(transport, server.port, payload, cut);
        await withDeadline(done, DEADLINE_MS, `seed ${seed}: server to close hostile connection`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    stop = true;
    await withDeadline(wellBehaved, DEADLINE_MS, `seed ${seed}: well-behaved client`);
    assert.ok(answered > 0, `seed ${seed}: the well-behaved client got answers`);
    assert.equal(server.stats().connections, 1, `seed ${seed}: only the good connection is left`);
    const unexpected = logger.lines.filter((l) =>
      l.includes("malformed frame:") || l.startsWith("error:")
    );
    assert.deepEqual(
      unexpected,
      [],
      `seed ${seed}: the codec threw something other than FrameDecodeError`,
    );
  } finally {
    stop = true;
    await wellBehaved.catch((e) => assert.fail(`seed ${seed}: ${e}`));
    await client.shutdown();
    await server.shutdown({ gracefulTimeoutMs: 1000 });
  }
});

Deno.test("RemotingServer closes a connection sending a deeply nested JSON header without stalling the others", async () => {
  const transport = new DenoTcpTransport();
  const logger = new MemoryLogger();
  const server = new RemotingServer({ transport, hostname: "127.0.0.1", listenPort: 0, logger });
  server.registerProcessor(ECHO, (req) => createResponse(req, 0, undefined, req.extFields));
  await server.start();
  const client = new RemotingClient({ transport, logger });
  const address = `127.0.0.1:${server.port}`;
  try {
    assert.equal((await client.invoke(address, createRequest(ECHO), 3000)).code, 0);
    // A header filling the largest frame (16 MiB) with one value nested 8 million deep, where an
    // int is due.
    const depth = (16 * 1024 * 1024 - 4 - '{"code":}'.length) >> 1;
    const header = new TextEncoder().encode(`{"code":${"[".repeat(depth)}${"]".repeat(depth)}}`);
    const started = performance.now();
    await withDeadline(
      hostile(transport, server.port, frame(0, header), header.length >> 1),
      60_000,
      "server to close the hostile connection",
    );
    const elapsedMs = performance.now() - started;
    const answer = await client.invoke(
      address,
      createRequest(ECHO, { extFields: { n: "1" } }),
      3000,
    );
    assert.equal(answer.extFields?.n, "1", "the well-behaved client is served after");
    // The whole process shares one event loop: decoding one frame must not hold it for seconds.
    assert.ok(elapsedMs < 5000, `one hostile frame held the server for ${elapsedMs.toFixed(0)} ms`);
    const longest = Math.max(...logger.lines.map((l) => l.length));
    assert.ok(longest < 1024, `a log line of ${longest} chars: the bad value is not cut`);
  } finally {
    await client.shutdown();
    await server.shutdown({ gracefulTimeoutMs: 1000 });
  }
});

/**
 * Connects to 127.0.0.1:`port` with plain libc calls and closes at once with SO_LINGER 0: the
 * kernel answers the handshake, then the peer's RST arrives before the server accepts. Deno's
 * sockets cannot set SO_LINGER, hence FFI (Linux constants).
 */
function connectAndReset(port: number, times: number): void {
  const libc = Deno.dlopen("libc.so.6", {
    socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
    connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
    setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
    close: { parameters: ["i32"], result: "i32" },
  });
  try {
    const address = new Uint8Array(16); // sockaddr_in: family (host order), port, 127.0.0.1
    new DataView(address.buffer).setUint16(0, 2, true);
    new DataView(address.buffer).setUint16(2, port);
    address.set([127, 0, 0, 1], 4);
    const linger = new Int32Array([1, 0]); // l_onoff 1, l_linger 0: close sends RST
    for (let i = 0; i < times; i++) {
      const fd = libc.symbols.socket(2, 1, 0); // AF_INET, SOCK_STREAM
      assert.ok(fd >= 0, "socket");
      assert.equal(libc.symbols.connect(fd, address, address.length), 0, "connect");
      assert.equal(libc.symbols.setsockopt(fd, 1, 13, linger, 8), 0, "SO_LINGER");
      libc.symbols.close(fd);
    }
  } finally {
    libc.close();
  }
}

// Linux only: the resets are made through glibc (FFI) with Linux's socket constants.
Deno.test("RemotingServer keeps accepting at once after connections reset before accept", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  const transport = new DenoTcpTransport();
  const logger = new MemoryLogger();
  const server = new RemotingServer({ transport, hostname: "127.0.0.1", listenPort: 0, logger });
  server.registerProcessor(ECHO, (req) => createResponse(req, 0));
  await server.start();
  const client = new RemotingClient({ transport, logger });
  try {
    // Each reset used to stop accepting for ACCEPT_RETRY_DELAY_MS (100 ms): 40 of them, 4 s.
    connectAndReset(server.port, 40);
    const answer = await client.invoke(`127.0.0.1:${server.port}`, createRequest(ECHO), 2000);
    assert.equal(answer.code, 0, "a client connecting after the resets is served");
    const failures = logger.lines.filter((l) => l.startsWith("error:"));
    assert.deepEqual(failures, [], "a peer's reset is no failure of the listener");
  } finally {
    await client.shutdown();
    await server.shutdown({ gracefulTimeoutMs: 1000 });
  }
});
