/**
 * Whole-file text reads and crash-safe replacement over the {@linkcode FileSystem}: write
 * `<path>.tmp`, sync it, rename it over `<path>`, sync the folder. A crash leaves the old or the
 * new content, never a torn file. Used for kvConfig.json and namesrv.properties.
 *
 * @module
 */
import type { FileSystem } from "../store/file_system.ts";
import { parentPath } from "../store/store_paths.ts";

/**
 * Reads a whole UTF-8 file.
 *
 * @param fs file system
 * @param path file path
 * @returns the text, or `undefined` when the file does not exist
 */
export async function readTextFile(fs: FileSystem, path: string): Promise<string | undefined> {
  const info = await fs.stat(path);
  if (info === null || info.isDirectory) return undefined;
  const handle = await fs.open(path);
  try {
    const size = await handle.size();
    const bytes = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = await handle.readAt(bytes.subarray(done), done);
      if (n === 0) break;
      done += n;
    }
    return new TextDecoder().decode(bytes.subarray(0, done));
  } finally {
    handle.close();
  }
}

/**
 * Replaces a file's content atomically (tmp + sync + rename + folder sync), creating folders.
 *
 * @param fs file system
 * @param path file path
 * @param text new content (written as UTF-8)
 */
export async function writeTextFileAtomic(
  fs: FileSystem,
  path: string,
  text: string,
): Promise<void> {
  const dir = parentPath(path);
  await fs.mkdir(dir);
  const tmp = `${path}.tmp`;
  const handle = await fs.open(tmp, { create: true });
  try {
    const bytes = new TextEncoder().encode(text);
    await handle.truncate(0);
    await handle.writeAt(bytes, 0);
    await handle.sync();
  } finally {
    handle.close();
  }
  await fs.rename(tmp, path);
  await fs.syncDir(dir);
}
