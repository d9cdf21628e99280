import { test } from "node:test";
import assert from "node:assert/strict";
import { age, humanDuration } from "../src/index.js";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test("humanDuration follows apimachinery's HumanDuration table", () => {
  const cases: [number, string][] = [
    [-3 * s, "<invalid>"],
    [-1500, "0s"],
    [0, "0s"],
    [59 * s, "59s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [2 * m + 5 * s, "2m5s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m + 30 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [3 * h + 20 * m, "3h20m"],
    [8 * h + 20 * m, "8h"],
    [47 * h, "47h"],
    [2 * d, "2d"],
    [2 * d + 5 * h, "2d5h"],
    [8 * d + 5 * h, "8d"],
    [729 * d, "729d"],
    [730 * d, "2y"],
    [2 * 365 * d + 40 * d, "2y40d"],
    [9 * 365 * d, "9y"],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test("age measures from a timestamp and marks missing ones unknown", () => {
  const now = Date.parse("2024-05-01T12:00:00Z");
  assert.equal(age("2024-05-01T11:59:30Z", now), "30s");
  assert.equal(age("2024-05-01T09:00:00Z", now), "3h");
  assert.equal(age(undefined, now), "<unknown>");
  assert.equal(age(null, now), "<unknown>");
  assert.equal(age("not a time", now), "<unknown>");
});
