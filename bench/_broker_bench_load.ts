/**
 * Load drivers of the broker benchmark, shaped like the peer scripts' `lib/common.mjs` so figures
 * compare: a closed window (at most `window` sends in flight, stop at `count` or `maxSeconds`), an
 * open-loop fixed rate (latency measured from the send call and from the scheduled time), latency
 * percentiles, and a progress line each second. Internal to `bench/main.ts`.
 *
 * @module
 */

/** Latency figures in microseconds. */
export interface LatencySummary {
  n: number;
  avgUs: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** Percentiles the way the peers compute them (`floor(p × n)` of the sorted samples). */
export function latencySummary(samplesUs: Float64Array, n: number): LatencySummary {
  const s = samplesUs.slice(0, n).sort();
  const at = (p: number) => n === 0 ? 0 : Math.round(s[Math.min(n - 1, Math.floor(p * n))]);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i];
  return {
    n,
    avgUs: n === 0 ? 0 : Math.round(sum / n),
    p50Us: at(0.5),
    p99Us: at(0.99),
    p999Us: at(0.999),
    maxUs: n === 0 ? 0 : Math.round(s[n - 1]),
  };
}

/**
 * `1234567` → `1,234,567` without `toLocaleString`, whose first call loads ICU data and holds
 * the event loop for ~10 ms: one second into a latency run, that showed up in its p99.
 */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Prints `label: Ns N msgs N msg/s` each second until stopped. */
export function progressLine(label: string, done: () => number): { stop(): void } {
  const t0 = performance.now();
  let last = 0;
  let lastT = t0;
  const timer = setInterval(() => {
    const now = performance.now();
    const n = done();
    const rate = Math.round((n - last) / ((now - lastT) / 1000));
    console.error(
      `  ${label}: ${((now - t0) / 1000).toFixed(0)} s, ${groupDigits(n)} msgs, ` +
        `${groupDigits(rate)} msg/s`,
    );
    last = n;
    lastT = now;
  }, 1000);
  return { stop: () => clearInterval(timer) };
}

/** Result of a closed-window run. */
export interface WindowedResult {
  issued: number;
  acked: number;
  errors: number;
  seconds: number;
  firstError: string | undefined;
  latency: LatencySummary;
}

/**
 * Keeps at most `window` sends in flight until `count` sends or `maxSeconds` pass; records the
 * latency of each (send call → acknowledgement).
 */
export function windowed(options: {
  window: number;
  count: number;
  maxSeconds: number;
  send: (i: number) => Promise<unknown>;
  progress?: (acked: number) => void;
}): Promise<WindowedResult> {
  const { window, count, maxSeconds, send } = options;
  const samples = new Float64Array(Math.min(count, 20_000_000));
  const t0 = performance.now();
  const deadline = t0 + maxSeconds * 1000;
  let issued = 0;
  let acked = 0;
  let errors = 0;
  let inflight = 0;
  let firstError: string | undefined;
  return new Promise((resolve) => {
    const finish = () =>
      resolve({
        issued,
        acked,
        errors,
        seconds: (performance.now() - t0) / 1000,
        firstError,
        latency: latencySummary(samples, acked),
      });
    const settle = (start: number, ok: boolean, error?: unknown) => {
      // One clock read per acknowledgement: its latency ends, and the send it makes room for
      // starts, at this instant (performance.now is an op call in Deno).
      const now = performance.now();
      if (ok) {
        if (acked < samples.length) samples[acked] = (now - start) * 1000;
        acked++;
      } else {
        errors++;
        firstError ??= String(error);
      }
      inflight--;
      if (inflight === 0 && (issued >= count || now >= deadline)) finish();
      else pump(now);
    };
    const pump = (start: number) => {
      if (start >= deadline) {
        if (inflight === 0) finish();
        return;
      }
      while (inflight < window && issued < count) {
        issued++;
        inflight++;
        send(issued).then(() => settle(start, true), (error) => settle(start, false, error));
      }
      if (inflight === 0) finish();
    };
    pump(performance.now());
  });
}

/** Result of a fixed-rate run. */
export interface FixedRateResult {
  issued: number;
  errors: number;
  seconds: number;
  firstError: string | undefined;
  latency: LatencySummary;
  /** measured from the scheduled time (corrects coordinated omission) */
  scheduledLatency: LatencySummary;
}

/** Open-loop schedule of `rate` sends per second, at most `count`, never past `maxSeconds`. */
export function fixedRate(options: {
  rate: number;
  count: number;
  maxSeconds: number;
  send: (i: number) => Promise<unknown>;
}): Promise<FixedRateResult> {
  const { rate, count, maxSeconds, send } = options;
  const lat = new Float64Array(count);
  const latSched = new Float64Array(count);
  const intervalMs = 1000 / rate;
  const t0 = performance.now();
  const deadline = t0 + maxSeconds * 1000;
  let issued = 0;
  let done = 0;
  let errors = 0;
  let inflight = 0;
  let firstError: string | undefined;
  return new Promise((resolve) => {
    const finished = () => inflight === 0 && (issued >= count || performance.now() >= deadline);
    const finish = () =>
      resolve({
        issued,
        errors,
        seconds: (performance.now() - t0) / 1000,
        firstError,
        latency: latencySummary(lat, done),
        scheduledLatency: latencySummary(latSched, done),
      });
    const tick = () => {
      const now = performance.now();
      while (issued < count && now >= t0 + issued * intervalMs && now < deadline) {
        const scheduled = t0 + issued * intervalMs;
        issued++;
        inflight++;
        const start = performance.now();
        send(issued).then(
          () => {
            const end = performance.now();
            lat[done] = (end - start) * 1000;
            latSched[done] = (end - scheduled) * 1000;
            done++;
          },
          (error) => {
            errors++;
            firstError ??= String(error);
          },
        ).finally(() => {
          inflight--;
          if (finished()) finish();
        });
      }
      if (issued < count && now < deadline) {
        setTimeout(tick, Math.max(0, t0 + issued * intervalMs - performance.now()));
      } else if (inflight === 0) finish();
    };
    tick();
  });
}
