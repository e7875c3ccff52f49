/**
 * A child process for the lock tests: takes the lock a RocketMQ broker takes on its store's
 * lock file. Java's `FileChannel.tryLock(0, 1, false)` (`DefaultMessageStore.start`) is, on
 * Linux, `fcntl(fd, F_SETLK, {F_WRLCK, SEEK_SET, 0, 1})`, a classic per-process POSIX record
 * lock; this makes the same call. Prints "locked" or "refused", then holds the lock until its
 * stdin closes.
 *
 * Run: `deno run -A store/adapters/_test_fcntl_locker.ts <lock file>`
 */

const F_SETLK = 6;
const F_WRLCK = 1;
const O_RDWR_CREAT_CLOEXEC = 0o2 | 0o100 | 0o2000000;

const libc = Deno.dlopen("libc.so.6", {
  open: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "buffer"], result: "i32" },
}).symbols;

const fd = libc.open(new TextEncoder().encode(`${Deno.args[0]}\0`), O_RDWR_CREAT_CLOEXEC, 0o644);
if (fd < 0) throw new Error(`cannot open ${Deno.args[0]}`);
const flock = new Uint8Array(32);
new DataView(flock.buffer).setInt16(0, F_WRLCK, true);
new DataView(flock.buffer).setBigInt64(16, 1n, true);
const locked = libc.fcntl(fd, F_SETLK, flock) === 0;
console.log(locked ? "locked" : "refused");
for await (const _ of Deno.stdin.readable) {
  // hold until the parent closes stdin
}
