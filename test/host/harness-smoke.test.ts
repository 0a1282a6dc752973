import { test } from "node:test";
import assert from "node:assert/strict";
import { compileHarness } from "./support/asc-compile.js";

test("an AssemblyScript harness compiles with release options and runs", async () => {
  const h = await compileHarness("test/harness/smoke.ts");
  assert.equal(h.exports.add(2, 3), 5);
});
