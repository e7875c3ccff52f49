import assert from "node:assert/strict";
import { decompressLz4Frame, Lz4FormatError } from "./lz4.ts";

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** The text the linked frame holds: 3399 lines, 71 688 bytes (two 64 KiB blocks). */
function applesAndPears(): string {
  let text = "";
  for (let i = 0; i < 3399; i++) text += `${i % 11} apples and ${i % 7} pears\n`;
  return text;
}

/** `lz4 -9 -B4 -BD --content-size -BX` of {@linkcode applesAndPears}: linked blocks (the second
 * refers back into the first), content size, block and content checksums. */
const LINKED = fromBase64(
  "BCJNGFxACBgBAAAAAAC7ogIAAPgHMCBhcHBsZXMgYW5kIDAgcGVhcnMKMRUAEzEVABgyFQATMhUAGDMVABMzFQAYNBUAEzQVABg1FQATNRUAGDYVABM2FQAfN5MAAR84kwABHzmTAAEvMTCUAAEfMJQAAR8xlAABHzKUAAEfM5QAAR80lAABHzWUAAEfNpMAAR83kwABHziTAAEfOZMAAR8xuwECHzCUAAEfMZQAAR8ylAABHzOUAAEfNJQAAR81lAABHzaTAAEfN5MAAR84kwABHzmTAAEfMbsBAh8wlAABHzGUAAEfMpQAAR8zlAABHzSUAAEfNZQAAR82kwABHzeTAAEfOJMAAR85dQMCD7sBAh8w4wICD5QAAR8ylAABHzOUAAEfNJQAAR81lAABHzaTAAEfN5MAAR84kwABHzl1AwIPuwECHzDjAgIPlAABHzKUAAEfM5QAAR80lAABHzWUAAEfNpMAAR83kwABHziTAAEfOXUDAg+7AQIPnQQCHzGUAAEfMpQAAR8zlAABHzSUAAEfNZQAAR82kwABHzeTAAEfOJMAAR85dQMCD7sBAg9YBv////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////+KUGFwcGxlpvatHyIAAAAPWAb///////////////////////////////8IUGVhcnMKhNIYhgAAAABfcNz7",
);

/** 512 bytes of xorshift32 output (seed 2463534242), which `lz4` stores as is. */
function xorshiftBytes(): Uint8Array {
  const out = new Uint8Array(512);
  let x = 2463534242;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** `lz4` of {@linkcode xorshiftBytes}: one stored (uncompressed) block. */
const STORED = fromBase64(
  "BCJNGGRApwACAIBjeqB+4eryPcc5bQ2meBaABRI6p07en3iccGMAC+bIJSE9rSK8cLOF2iEjYzYXe8N5/WJs+WZD8R+9YWO9fJmQZ/PRmPCMiNOQND8U0ar/ckgnNfneNE6wShDY1YN+EKRXTdcxOTwmn1ZpSDsNMjSnDHk9GiQ3v8KL0hYgz4R8vsa6u/R3PzKJybuu7Qt9FKce4O08D48+t3i2fiM4BHwBTUtUOL3MOvBjIyDGS0v7/71CM3Vf/yDlQG2Jb/ZDd/j0Hx4Eh7oA5CFukPFG/f0CRwUqF55f2YB4aYMKc2fSgpwLA+PA9J0zdPGfWBqOAid4UbbrRRBtSq3+kGbB4ea/jJ2fMOjkGtwot0DX43gsy4wBljQmUcsyqwoYFD8DrS4SWFfWe03aIMbu8k/iMuEvIXp5BCNlWcMnGaUUP04vc6nmXSIHxR2/HrPQLhIKMztmZkfnfaQ7vRlDveBbAhRMEJbV5AUjVxCKe+racGZRIsd6vVdm7dtqgTcHQDVoYuNUM1WTiZkVQz13UH7pLEJsT2POSEqZOlcaVh95+bWryS5szATLmT5QDRlMHk0yULC3aNd2y7JOYIdzoKPzNIGKWeEhP3wQLS2s3Bb7rMgQ6hIkGPYhtesBssDTeCulhhcMs8i/YWcnW5c+5/4hYGFnaruoi5KnOnmd6nBeKp1ohgAAAAA2syM6",
);

Deno.test("decompressLz4Frame reads linked compressed blocks with checksums and a content size", () => {
  const text = new TextDecoder().decode(decompressLz4Frame(LINKED, 1 << 20));
  assert.equal(text.length, 71_688);
  assert.equal(text, applesAndPears());
});

Deno.test("decompressLz4Frame reads a stored block", () => {
  assert.deepEqual(decompressLz4Frame(STORED, 1 << 20), xorshiftBytes());
});

Deno.test("decompressLz4Frame refuses a broken frame and one that inflates too far", () => {
  const refused = (input: Uint8Array, max: number, pattern: RegExp) =>
    assert.throws(
      () => decompressLz4Frame(input, max),
      (error: unknown) => error instanceof Lz4FormatError && pattern.test(error.message),
    );
  refused(LINKED, 70_000, /inflates beyond 70000 bytes/);
  refused(LINKED.subarray(0, 400), 1 << 20, /ends at 400/);
  refused(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 1 << 20, /not an LZ4 frame/);
  const badOffset = LINKED.slice();
  badOffset[20] ^= 0xff; // inside the first block's first sequences
  assert.throws(() => decompressLz4Frame(badOffset, 1 << 20), Lz4FormatError);
});
