import assert from "node:assert/strict";
import { test } from "node:test";
import {
  compareQuantities,
  cpuToMillis,
  formatBinaryQuantity,
  isValidQuantity,
  memoryToBytes,
  parseQuantity,
  QuantityError,
} from "../src/index.js";

test("parseQuantity reads decimal, binary and exponent suffixes", () => {
  const cases: Array<[string | number, number]> = [
    ["1", 1],
    ["500m", 0.5],
    ["1.5", 1.5],
    [".5", 0.5],
    ["2k", 2000],
    ["1M", 1e6],
    ["3G", 3e9],
    ["1T", 1e12],
    ["1P", 1e15],
    ["1E", 1e18],
    ["1Ki", 1024],
    ["64Mi", 64 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1Ti", 2 ** 40],
    ["1Pi", 2 ** 50],
    ["1Ei", 2 ** 60],
    ["1e3", 1000],
    ["1E3", 1000],
    ["12e-1", 1.2],
    ["100n", 1e-7],
    ["-2", -2],
    ["+3", 3],
    [" 4 ", 4],
    [2, 2],
    [0.25, 0.25],
  ];
  for (const [q, want] of cases) assert.ok(Math.abs(parseQuantity(q) - want) < 1e-12 * Math.max(1, want), `${q}`);
});

test("parseQuantity refuses malformed input with the Kubernetes message", () => {
  for (const bad of ["", "abc", "1x", "1KiB", "1e", "m", "1.2.3", "--1", "1 Gi"]) {
    assert.throws(() => parseQuantity(bad), QuantityError, bad);
    assert.equal(isValidQuantity(bad), false, bad);
  }
  assert.throws(() => parseQuantity("abc"), /quantities must match the regular expression/);
  assert.throws(() => parseQuantity("1x"), /unable to parse quantity's suffix "x"/);
  assert.throws(() => parseQuantity(Number.NaN), QuantityError);
  assert.equal(isValidQuantity(true), false);
  assert.equal(isValidQuantity("250m"), true);
});

test("cpuToMillis and memoryToBytes round up exactly", () => {
  assert.equal(cpuToMillis("500m"), 500);
  assert.equal(cpuToMillis("2"), 2000);
  assert.equal(cpuToMillis("0.29"), 290);
  assert.equal(cpuToMillis("0.1"), 100);
  assert.equal(cpuToMillis("1.0001"), 1001);
  assert.equal(cpuToMillis(1), 1000);
  assert.equal(memoryToBytes("64Mi"), 67108864);
  assert.equal(memoryToBytes("1G"), 1e9);
  assert.equal(memoryToBytes("1.5Ki"), 1536);
  assert.equal(memoryToBytes("100m"), 1);
});

test("compareQuantities compares across suffixes", () => {
  assert.equal(compareQuantities("1", "1000m"), 0);
  assert.equal(compareQuantities("1Ki", "1k"), 1);
  assert.equal(compareQuantities("500m", "1"), -1);
});

test("formatBinaryQuantity prints bytes as Kubernetes prints a binary-SI quantity", () => {
  const MiB = 1024 * 1024;
  assert.deepEqual(
    [formatBinaryQuantity(4 * MiB), formatBinaryQuantity(3 * 1024 * MiB), formatBinaryQuantity(1536), formatBinaryQuantity(1000), formatBinaryQuantity(0)],
    ["4Mi", "3Gi", "1536", "1000", "0"],
  );
  assert.equal(memoryToBytes(formatBinaryQuantity(5 * MiB)), 5 * MiB, "it reads back as the same amount");
});
