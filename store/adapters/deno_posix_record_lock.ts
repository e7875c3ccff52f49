/**
 * The lock RocketMQ takes on `<storePathRootDir>/lock`: Java's `FileChannel.tryLock(0, 1, false)`
 * in `DefaultMessageStore.start`, which on Linux is a POSIX record lock (`fcntl F_SETLK`, write
 * lock on byte 0). Deno's `FsFile.tryLock` is `flock`, and on Linux the two kinds ignore each
 * other, so a RocketMQ broker and EdgeMQ given one folder (both default to `$HOME/store`) would
 * both run on it. This takes an open-file-description lock (`F_OFD_SETLK`, Linux 3.15+) on the
 * same byte through libc: it conflicts with Java's lock both ways, and, held per open file
 * rather than per process, with a second store in this process too.
 *
 * Linux only: elsewhere (Windows' `LockFileEx`, which both Deno and Java use, already conflicts)
 * or without `--allow-ffi`, {@linkcode tryPosixRecordLock} answers "unavailable" and the caller
 * keeps its `flock` alone.
 *
 * @module
 */

const F_OFD_SETLK = 37;
const F_WRLCK = 1;
const O_RDWR = 0o2;
const O_CREAT = 0o100;
const O_CLOEXEC = 0o2000000;
const EACCES = 13;
const EAGAIN = 11;
const FLOCK_BYTES = 32; // struct flock on x86_64 and aarch64: type, whence, start, len, pid

const LIBC_SYMBOLS = {
  open: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>;

/** libc, loaded for one lock and unloaded with it; null where there is no such lock here */
function loadLibc(): Libc | null {
  if (Deno.build.os !== "linux") return null;
  try {
    return Deno.dlopen("libc.so.6", LIBC_SYMBOLS);
  } catch (error) {
    console.warn(
      `EdgeMQ: the store lock is flock only (${error instanceof Error ? error.message : error}); ` +
        `run with --allow-ffi so that a RocketMQ broker on the same store folder is refused`,
    );
    return null;
  }
}

function errno(c: Libc["symbols"]): number {
  const at = c.__errno_location();
  return at === null ? 0 : new Deno.UnsafePointerView(at).getInt32();
}

/**
 * Takes the record lock on byte 0 of `path` (created when absent) without waiting.
 * @returns a release function; null when another holder (RocketMQ, or a store here) has it;
 *   "unavailable" when this platform or these permissions give no such lock
 * @throws {Error} when the file cannot be opened or the kernel refuses for another reason
 */
export function tryPosixRecordLock(path: string): (() => void) | null | "unavailable" {
  const lib = loadLibc();
  if (lib === null) return "unavailable";
  const c = lib.symbols;
  let fd = -1;
  let kept = false;
  try {
    fd = c.open(new TextEncoder().encode(`${path}\0`), O_RDWR | O_CREAT | O_CLOEXEC, 0o644);
    if (fd < 0) throw new Error(`Cannot open ${path} to lock it: errno ${errno(c)}`);
    const flock = new Uint8Array(FLOCK_BYTES);
    const view = new DataView(flock.buffer);
    view.setInt16(0, F_WRLCK, true); // l_type; l_whence SEEK_SET, l_start 0, l_pid 0 (OFD)
    view.setBigInt64(16, 1n, true); // l_len: byte 0 only, as Java's tryLock(0, 1, false)
    if (c.fcntl(fd, F_OFD_SETLK, flock) !== 0) {
      const code = errno(c);
      if (code === EAGAIN || code === EACCES) return null;
      throw new Error(`Cannot lock ${path}: fcntl(F_OFD_SETLK) failed with errno ${code}`);
    }
    kept = true;
    const held = fd;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      c.close(held); // closing the description releases its lock
      lib.close();
    };
  } finally {
    if (!kept) {
      if (fd >= 0) c.close(fd);
      lib.close();
    }
  }
}
