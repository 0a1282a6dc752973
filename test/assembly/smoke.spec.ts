describe("toolchain", () => {
  it("runs as-pect", () => { expect<i32>(1 + 1).toBe(2); });
});
