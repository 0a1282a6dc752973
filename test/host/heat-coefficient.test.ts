// The heat calculator (assembly/heat/coefficient.ts) against IAPWS-IF97 reference values computed
// independently by python3-iapws (tools/gen-heat-tables.py → test/vectors/heat-k-if97.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { compileHarness, projectRoot } from "./support/asc-compile.js";

const VECTORS = "test/vectors/heat-k-if97.json";
const REGENERATE = "/usr/bin/python3 tools/gen-heat-tables.py (needs Debian's python3-iapws)";
const K_TOLERANCE = 2e-4; // ±0.02 % (issue 4, EN 1434 calculator budget)

interface Point { supply_mC: number; return_mC: number; k_return: number[]; k_supply: number[] }
interface Vectors { pressures_bar: number[]; points: Point[] }

function loadVectors(): Vectors {
  const file = path.join(projectRoot, VECTORS);
  if (!existsSync(file)) throw new Error(`${VECTORS} is missing: regenerate it with ${REGENERATE}`);
  return JSON.parse(readFileSync(file, "utf8")) as Vectors;
}

const harness = compileHarness("test/harness/heat.ts");

async function heat() {
  const { exports } = await harness;
  return {
    kMicro: (s: number, r: number, flowInSupply: boolean, kPa: number) =>
      Number(exports.heatCoefficientMicro(s, r, flowInSupply ? 1 : 0, kPa)),
    microWh: (s: number, r: number, mL: bigint, flowInSupply: boolean, kPa: number): bigint =>
      exports.heatEnergyMicroWh(s, r, mL, flowInSupply ? 1 : 0, kPa),
    nanoJ: (s: number, r: number, mL: bigint, flowInSupply: boolean, kPa: number): bigint =>
      exports.heatEnergyNanoJ(s, r, mL, flowInSupply ? 1 : 0, kPa),
    temperatureValid: (mC: number) => exports.temperatureValid(mC) === 1,
    pressureValid: (kPa: number) => exports.pressureValid(kPa) === 1,
    tableBytes: (exports.HEAT_TABLE_BYTES as WebAssembly.Global).value as number,
  };
}

function refK(v: Vectors, supply: number, ret: number, bar: number, flowInSupply: boolean): number {
  const p = v.points.find((q) => q.supply_mC === supply && q.return_mC === ret);
  if (!p) throw new Error(`no vector for ${supply}/${ret} m°C: regenerate ${VECTORS} with ${REGENERATE}`);
  return (flowInSupply ? p.k_supply : p.k_return)[v.pressures_bar.indexOf(bar)];
}

test("k is within ±0.02 % of IF97 at every vector point, both sensor positions, 6/10/16/25 bar", async (t) => {
  const v = loadVectors();
  const h = await heat();
  assert.ok(v.points.length > 400, "vector file looks truncated");
  let worst = { rel: 0, where: "" };
  for (const [i, bar] of v.pressures_bar.entries()) {
    for (const flowInSupply of [false, true]) {
      let worstHere = 0;
      for (const p of v.points) {
        const ref = (flowInSupply ? p.k_supply : p.k_return)[i];
        const got = h.kMicro(p.supply_mC, p.return_mC, flowInSupply, bar * 100) / 1e6;
        const rel = got / ref - 1;
        const where = `${p.supply_mC}/${p.return_mC} m°C, ${bar} bar, flow in ${flowInSupply ? "supply" : "return"}`;
        assert.ok(Math.abs(rel) <= K_TOLERANCE, `k ${got} vs IF97 ${ref} (${(rel * 100).toFixed(4)} %) at ${where}`);
        worstHere = Math.max(worstHere, Math.abs(rel));
        if (Math.abs(rel) > worst.rel) worst = { rel: Math.abs(rel), where };
      }
      t.diagnostic(`${bar} bar, flow in ${flowInSupply ? "supply" : "return"}: max |error| ${(worstHere * 100).toFixed(5)} %`);
    }
  }
  t.diagnostic(`max |k error| ${(worst.rel * 100).toFixed(5)} % at ${worst.where}; ${v.points.length} pairs`);
  t.diagnostic(`table bytes: ${h.tableBytes}`);
});

test("published reference points at 16 bar", async () => {
  const h = await heat();
  const published = [
    { s: 70000, r: 40000, kReturn: 1.15237, kSupply: 1.13561 },
    { s: 80000, r: 60000, kReturn: 1.14378, kSupply: 1.13054 },
  ];
  for (const p of published) {
    for (const [flowInSupply, ref] of [[false, p.kReturn], [true, p.kSupply]] as const) {
      const got = h.kMicro(p.s, p.r, flowInSupply, 1600) / 1e6;
      assert.ok(Math.abs(got / ref - 1) <= K_TOLERANCE, `${p.s}/${p.r}: k ${got} vs published ${ref}`);
      assert.ok(Math.abs(got - ref) <= 2e-5, `${p.s}/${p.r}: k ${got} should round to ${ref}`);
    }
  }
});

test("energy ΔQ = k·ΔΘ·ΔV matches IF97 for heating, cooling and small ΔΘ", async () => {
  const v = loadVectors();
  const h = await heat();
  const cases = [
    { s: 70000, r: 40000, litres: 1, bar: 16, flowInSupply: false },
    { s: 80000, r: 60000, litres: 10, bar: 10, flowInSupply: true },
    { s: 45000, r: 35000, litres: 2.5, bar: 6, flowInSupply: false },
    { s: 10000, r: 15000, litres: 1, bar: 16, flowInSupply: false }, // cooling: negative
    { s: 150000, r: 2000, litres: 10000, bar: 25, flowInSupply: true }, // 10 m³, largest ΔQ
    { s: 2000, r: 150000, litres: 10000, bar: 25, flowInSupply: false }, // same, cooling sign
  ];
  // Small-ΔΘ cases straight from the vector set (0.2 K and 0.5 K pairs).
  for (const p of v.points.filter((q) => q.supply_mC - q.return_mC === 200 || q.supply_mC - q.return_mC === 500)) {
    cases.push({ s: p.supply_mC, r: p.return_mC, litres: 1, bar: 16, flowInSupply: false });
  }
  assert.ok(cases.length > 20);
  for (const c of cases) {
    const k = refK(v, c.s, c.r, c.bar, c.flowInSupply);
    const expectedMicroWh = k * ((c.s - c.r) / 1000) * (c.litres / 1000) * 1e9;
    const mL = BigInt(Math.round(c.litres * 1000));
    const gotMicroWh = Number(h.microWh(c.s, c.r, mL, c.flowInSupply, c.bar * 100));
    const gotNanoJ = Number(h.nanoJ(c.s, c.r, mL, c.flowInSupply, c.bar * 100));
    const what = `${c.s}/${c.r} m°C, ${c.litres} L, ${c.bar} bar`;
    assert.ok(Math.abs(gotMicroWh - expectedMicroWh) <= Math.abs(expectedMicroWh) * K_TOLERANCE + 1,
      `${what}: ${gotMicroWh} µWh vs IF97 ${expectedMicroWh.toFixed(1)} µWh`);
    assert.ok(Math.abs(gotNanoJ - expectedMicroWh * 3.6e6) <= Math.abs(expectedMicroWh * 3.6e6) * K_TOLERANCE,
      `${what}: ${gotNanoJ} nJ vs IF97 ${(expectedMicroWh * 3.6e6).toFixed(0)} nJ`);
    assert.equal(Math.sign(gotMicroWh), Math.sign(c.s - c.r), `${what}: sign follows supply − return`);
  }
});

test("µWh results truncate toward zero; summed nJ per pulse carries no bias", async () => {
  const v = loadVectors();
  const h = await heat();
  // 1000 one-litre pulses at 0.2 K ΔΘ: summing nJ stays within tolerance of IF97 where truncating
  // each pulse to µWh would not be exact (documented: < 1 µWh per call).
  const p = v.points.find((q) => q.supply_mC - q.return_mC === 200 && q.return_mC >= 40000)!;
  const k = refK(v, p.supply_mC, p.return_mC, 16, false);
  let sumNanoJ = 0n;
  for (let i = 0; i < 1000; i++) sumNanoJ += h.nanoJ(p.supply_mC, p.return_mC, 1000n, false, 1600);
  const expectedNanoJ = k * 0.2 * 1 * 3.6e15; // 1 m³ in total
  assert.ok(Math.abs(Number(sumNanoJ) / expectedNanoJ - 1) <= K_TOLERANCE, `${sumNanoJ} nJ vs ${expectedNanoJ}`);
  for (const [a, b] of [[70000, 40000], [10000, 15000], [50200, 50000]]) {
    const nj = h.nanoJ(a, b, 1000n, false, 1600);
    assert.equal(h.microWh(a, b, 1000n, false, 1600), nj / 3_600_000n, `${a}/${b}: µWh = nJ / 3.6e6 truncated`);
  }
  // Volumes far past one pulse (1000 m³) do not overflow the µWh path.
  const big = Number(h.microWh(70000, 40000, 1_000_000_000n, false, 1600));
  const expected = refK(v, 70000, 40000, 16, false) * 30 * 1000 * 1e9;
  assert.ok(Math.abs(big / expected - 1) <= K_TOLERANCE, `1000 m³: ${big} µWh vs ${expected}`);
});

test("ΔΘ = 0 gives zero energy and zero k", async () => {
  const h = await heat();
  for (const t of [2000, 4000, 65432, 150000]) {
    assert.equal(h.microWh(t, t, 1000n, false, 1600), 0n);
    assert.equal(h.nanoJ(t, t, 1000n, true, 1600), 0n);
    assert.equal(h.kMicro(t, t, false, 1600), 0);
  }
});

test("temperatures outside 2..150 °C and pressures outside 6..25 bar are reported, not clamped", async () => {
  const h = await heat();
  for (const mC of [2000, 2001, 70000, 149999, 150000]) assert.ok(h.temperatureValid(mC), `${mC} m°C is valid`);
  const invalid = [1999, 150001, 0, -40000, -2147483648, 2147483647, 850000];
  for (const mC of invalid) {
    assert.ok(!h.temperatureValid(mC), `${mC} m°C must be invalid`);
    assert.equal(h.microWh(mC, 40000, 1000n, false, 1600), 0n, `${mC} m°C supply counts nothing`);
    assert.equal(h.microWh(70000, mC, 1000n, true, 1600), 0n, `${mC} m°C return counts nothing`);
    assert.equal(h.nanoJ(mC, 40000, 1000n, false, 1600), 0n);
    assert.equal(h.kMicro(70000, mC, false, 1600), 0);
  }
  for (const kPa of [600, 1000, 2500]) assert.ok(h.pressureValid(kPa));
  for (const kPa of [599, 2501, 0, -1]) {
    assert.ok(!h.pressureValid(kPa));
    assert.equal(h.microWh(70000, 40000, 1000n, false, kPa), 0n);
  }
});
