/**
 * Test helper: a {@linkcode FileSystem} whose mutating calls fail with an EIO while `failing`
 * says so, as a disk that went bad or a volume remounted read-only. Each mutating call is
 * described as `"<op> <path>"`, op one of create, write, append, sync, truncate, remove, rename,
 * mkdir and syncDir; reads always pass.
 *
 * @module
 */

import type { FileHandle, OpenOptions } from "./file_system.ts";
import { ForwardingFileSystem, ForwardingHandle } from "./_test_forwarding_fs.ts";

/** The error a failed call throws. */
export class InjectedDiskError extends Error {
  /** @param call the call that failed, `"<op> <path>"` */
  constructor(readonly call: string) {
    super(`EIO (test) at ${call}`);
    this.name = "InjectedDiskError";
  }
}

/** Fails the mutating calls `failing` picks; see the module doc. */
export class FaultyFileSystem extends ForwardingFileSystem {
  /** whether a call fails (none by default) */
  failing: (call: string) => boolean = () => false;
  /** the calls that failed, in order */
  readonly failed: string[] = [];

  /** @throws {InjectedDiskError} when `failing` picks the call */
  check(call: string): void {
    if (!this.failing(call)) return;
    this.failed.push(call);
    throw new InjectedDiskError(call);
  }

  protected override wrap(handle: FileHandle): FileHandle {
    return new FaultyHandle(handle, this);
  }
  override async open(path: string, options?: OpenOptions): Promise<FileHandle> {
    if (options?.create) this.check(`create ${path}`);
    return await super.open(path, options);
  }
  override async mkdir(dir: string): Promise<void> {
    this.check(`mkdir ${dir}`);
    return await super.mkdir(dir);
  }
  override async remove(path: string): Promise<void> {
    this.check(`remove ${path}`);
    return await super.remove(path);
  }
  override async rename(from: string, to: string): Promise<void> {
    this.check(`rename ${from}`);
    return await super.rename(from, to);
  }
  override async syncDir(dir: string): Promise<void> {
    this.check(`syncDir ${dir}`);
    return await super.syncDir(dir);
  }
}

class FaultyHandle extends ForwardingHandle {
  constructor(inner: FileHandle, readonly fs: FaultyFileSystem) {
    super(inner);
  }
  override async writeAt(data: Uint8Array, position: number): Promise<void> {
    this.fs.check(`write ${this.path}`);
    return await super.writeAt(data, position);
  }
  override async append(data: Uint8Array): Promise<number> {
    this.fs.check(`append ${this.path}`);
    return await super.append(data);
  }
  override async sync(): Promise<void> {
    this.fs.check(`sync ${this.path}`);
    return await super.sync();
  }
  override async truncate(size: number): Promise<void> {
    this.fs.check(`truncate ${this.path}`);
    return await super.truncate(size);
  }
}
