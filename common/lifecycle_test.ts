import assert from "node:assert/strict";
import { Lifecycle } from "./lifecycle.ts";

function recorder(startFails = false) {
  const steps: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const life = new Lifecycle("Server", {
    start: async () => {
      steps.push("start");
      await gate;
      if (startFails) throw new Error("port in use");
      steps.push("started");
    },
    stop: () => Promise.resolve(void steps.push("stop")),
  });
  return { steps, life, release };
}

Deno.test("Lifecycle: a shutdown during the start waits for it, then stops once", async () => {
  const { steps, life, release } = recorder();
  const starting = life.start();
  const stopping = life.shutdown();
  assert.equal(life.stopping, true);
  release();
  await Promise.all([starting, stopping, life.shutdown()]);
  assert.deepEqual(steps, ["start", "started", "stop"]);
  await assert.rejects(life.start(), /^Error: Cannot start Server: already started$/);
});

Deno.test("Lifecycle: a failed start stops what it began, also with a shutdown waiting", async () => {
  const { steps, life, release } = recorder(true);
  const starting = life.start();
  const stopping = life.shutdown();
  release();
  await assert.rejects(starting, /port in use/);
  await stopping;
  assert.deepEqual(steps, ["start", "stop"], "one stop");
});

Deno.test("Lifecycle: a start after a shutdown is refused and starts nothing", async () => {
  const { steps, life } = recorder();
  await life.shutdown();
  await assert.rejects(life.start(), /^Error: Cannot start Server: it was shut down$/);
  assert.equal(life.started, false);
  assert.deepEqual(steps, ["stop"]);
});

Deno.test("Lifecycle: a shutdown during the start interrupts it first", async () => {
  const steps: string[] = [];
  let release!: () => void;
  const life = new Lifecycle("Server", {
    start: () => new Promise<void>((resolve) => release = resolve),
    stop: () => Promise.resolve(void steps.push("stop")),
    interrupt: () => {
      steps.push("interrupt");
      release(); // what the start waited on gives up
    },
  });
  const starting = life.start();
  await life.shutdown();
  await starting;
  assert.deepEqual(steps, ["interrupt", "stop"]);
  await life.shutdown();
  assert.deepEqual(steps, ["interrupt", "stop"], "once");
});
