/**
 * Test harness: runs one store test against every {@linkcode FileSystem} adapter, so the same
 * suite covers the Deno file system (in a fresh temp dir, removed afterwards) and memory.
 *
 * ```ts ignore
 * forEachAdapter("CommitLog reads back what it appended", async ({ fs, dir, clock }) => { … });
 * ```
 * registers `CommitLog reads back what it appended [deno]` and `… [memory]`.
 *
 * @module
 */

import { ManualClock } from "../common/clock.ts";
import { DenoFileSystem } from "./adapters/deno_file_system.ts";
import { MemoryFileSystem } from "./adapters/memory_file_system.ts";
import type { FileSystem } from "./file_system.ts";

/** What a test gets for one adapter run. */
export interface AdapterContext {
  /** "deno" or "memory" */
  readonly kind: "deno" | "memory";
  /** the file system under test */
  readonly fs: FileSystem;
  /** an empty folder for this run (a temp dir for Deno, `/test` in memory) */
  readonly dir: string;
  /** a manual clock, also used by the memory adapter for mtimes */
  readonly clock: ManualClock;
  /** the memory adapter itself (crash simulation), undefined for Deno */
  readonly memory?: MemoryFileSystem;
}

/** Options for {@linkcode forEachAdapter}. */
export interface ForEachAdapterOptions {
  /** run only on these adapters (default both) */
  readonly only?: ReadonlyArray<"deno" | "memory">;
  /** skip the test */
  readonly ignore?: boolean;
  /** keep Deno's op sanitizer (default true) */
  readonly sanitizeOps?: boolean;
}

/**
 * Registers one `Deno.test` per adapter, named `<name> [deno]` and `<name> [memory]`.
 * @param name subject + behaviour
 * @param fn the test body, run once per adapter
 * @param options adapter selection
 */
export function forEachAdapter(
  name: string,
  fn: (context: AdapterContext) => Promise<void> | void,
  options: ForEachAdapterOptions = {},
): void {
  const kinds = options.only ?? ["deno", "memory"];
  if (kinds.includes("deno")) {
    Deno.test({
      name: `${name} [deno]`,
      ignore: options.ignore,
      sanitizeOps: options.sanitizeOps ?? true,
      fn: async () => {
        const dir = await Deno.makeTempDir({ prefix: "edgemq-store-" });
        try {
          await fn({ kind: "deno", fs: new DenoFileSystem(), dir, clock: new ManualClock() });
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    });
  }
  if (kinds.includes("memory")) {
    Deno.test({
      name: `${name} [memory]`,
      ignore: options.ignore,
      sanitizeOps: options.sanitizeOps ?? true,
      fn: async () => {
        const clock = new ManualClock();
        const memory = new MemoryFileSystem({ clock });
        const dir = "/test";
        await memory.mkdir(dir);
        await fn({ kind: "memory", fs: memory, dir, clock, memory });
      },
    });
  }
}

/**
 * Reads a whole file as UTF-8 through the file system under test.
 *
 * @param fs the file system
 * @param path the file
 * @returns the file's text
 */
export async function readTestText(fs: FileSystem, path: string): Promise<string> {
  const handle = await fs.open(path);
  try {
    const bytes = new Uint8Array(await handle.size());
    await handle.readAt(bytes, 0);
    return new TextDecoder().decode(bytes);
  } finally {
    handle.close();
  }
}

/**
 * Replaces a file's content with `text` (not atomically: tests use it to plant files).
 *
 * @param fs the file system
 * @param path the file; its folder is created
 * @param text the new content
 */
export async function writeTestText(fs: FileSystem, path: string, text: string): Promise<void> {
  await fs.mkdir(path.slice(0, path.lastIndexOf("/")));
  const handle = await fs.open(path, { create: true });
  try {
    await handle.truncate(0);
    await handle.writeAt(new TextEncoder().encode(text), 0);
  } finally {
    handle.close();
  }
}
