import assert from "node:assert/strict";
import { serveDenoHttp } from "./deno_http.ts";

Deno.test("serveDenoHttp names the address it cannot serve on", async () => {
  const fetch = () => new Response("ok");
  const taken = await serveDenoHttp({ hostname: "127.0.0.1", port: 0, fetch });
  try {
    await assert.rejects(
      serveDenoHttp({ hostname: "127.0.0.1", port: taken.port, fetch }),
      (error: unknown) =>
        error instanceof Deno.errors.AddrInUse &&
        error.message.startsWith(`Cannot serve HTTP on 127.0.0.1:${taken.port}: `),
    );
  } finally {
    await taken.shutdown();
  }
});
