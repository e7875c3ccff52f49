/**
 * Test helper for crash tests: runs a script in a child Deno process, hands each line the child
 * prints to the caller until the caller asks to stop, then kills the child with SIGKILL. Lines
 * the child printed before it died are handed over too: each stands for something the child had
 * already done (an acknowledged append, a message it served).
 *
 * @module
 */

const REPO = new URL("../", import.meta.url).pathname;

/** How a child run ended. */
export interface ChildRun {
  /** the child's output ended before the caller asked to stop: it exited or died on its own */
  readonly exitedEarly: boolean;
  /** what the child wrote to stderr */
  readonly stderr: string;
}

/**
 * Runs `deno run -A <script> <args>` from the repository root.
 * @param onLine told every line of the child's stdout; true asks to kill the child (its later
 *   answers are ignored, but it still sees the lines already printed)
 * @param timeoutMs how long the child may run before the caller asks to stop; past it the child
 *   is killed and the run throws
 * @param runFlags more `deno run` flags, e.g. `--v8-flags=--max-old-space-size=256`
 * @returns whether the child ended before it was asked to, and its stderr
 */
export async function runChildUntil(
  script: URL,
  args: readonly string[],
  onLine: (line: string) => boolean,
  timeoutMs: number,
  runFlags: readonly string[] = [],
): Promise<ChildRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...runFlags, script.pathname, ...args],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  let stopped = false;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill(child);
  }, timeoutMs);
  let buffered = "";
  let stderr = "";
  try {
    for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += text;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        if (onLine(line) && !stopped) {
          stopped = true;
          kill(child);
        }
      }
    }
  } finally {
    clearTimeout(timer);
    kill(child);
    await child.status;
    stderr = await stderrText;
  }
  if (timedOut && !stopped) {
    throw new Error(`${script.pathname} ${args.join(" ")} ran past ${timeoutMs} ms: ${stderr}`);
  }
  return { exitedEarly: !stopped, stderr };
}

/** Sends SIGKILL unless the child has already ended. */
function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch (error) {
    if (!(error instanceof TypeError && /already terminated/.test(error.message))) throw error;
  }
}
