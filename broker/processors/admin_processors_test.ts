import assert from "node:assert/strict";
import { createAdminTestBroker } from "./_admin_test_fixture.ts";
import { ADMIN_REQUEST_CODES, registerAdminProcessors } from "./admin_processors.ts";

Deno.test("registerAdminProcessors registers exactly ADMIN_REQUEST_CODES", async () => {
  const broker = await createAdminTestBroker();
  try {
    const codes: number[] = [];
    registerAdminProcessors({ registerProcessor: (code) => void codes.push(code) }, broker.context);
    assert.deepEqual(
      [...codes].sort((a, b) => a - b),
      [...ADMIN_REQUEST_CODES].sort((a, b) => a - b),
    );
    assert.equal(new Set(codes).size, 29);
  } finally {
    await broker.close();
  }
});
