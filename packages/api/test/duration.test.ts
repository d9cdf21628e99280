import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, parseDuration } from "../src/index.js";

test("parseDuration reads Go durations, compound ones too", () => {
  const ms = { bareNumber: "ms" } as const;
  assert.equal(parseDuration("250ms", ms), 250);
  assert.equal(parseDuration("1.5s", ms), 1500);
  assert.equal(parseDuration("2m", ms), 120_000);
  assert.equal(parseDuration("1h30m", ms), 5_400_000);
  assert.equal(parseDuration("1m0.5s", ms), 60_500);
  assert.equal(parseDuration(" 5s ", ms), 5000, "surrounding blanks are ignored");
});

test("a bare number counts in the caller's unit: milliseconds for the master, seconds for kubectl's flags", () => {
  assert.equal(parseDuration("5000", { bareNumber: "ms" }), 5000);
  assert.equal(parseDuration("45", { bareNumber: "s" }), 45_000);
  assert.equal(parseDuration("1.5", { bareNumber: "s" }), 1500);
});

test("zero only where allowed; anything else is refused naming the flag when given", () => {
  assert.equal(parseDuration("0", { bareNumber: "s", allowZero: true }), 0);
  assert.equal(parseDuration("0s", { bareNumber: "ms", allowZero: true }), 0);
  assert.throws(() => parseDuration("0s", { bareNumber: "ms", flag: "--event-ttl" }), {
    message: '--event-ttl: "0s" is not longer than 0; use a duration such as 30s',
  });
  assert.throws(() => parseDuration("soon", { bareNumber: "s" }), {
    message: '"soon" is not a duration; use a number with a unit, e.g. 30s, 5m or 1h30m (a bare number counts seconds)',
  });
  for (const bad of ["-1s", "5 minutes", "1d", "s", "1h-30m", ""]) {
    assert.throws(() => parseDuration(bad, { bareNumber: "ms", flag: "--x" }), /^Error: --x: ".*" is not a duration/, bad);
  }
});

test("formatDuration prints as Go's time.Duration.String", () => {
  const cases: [number, string][] = [[0, "0s"], [200, "200ms"], [1500, "1.5s"], [5000, "5s"], [60_000, "1m0s"], [80_000, "1m20s"], [3_723_000, "1h2m3s"]];
  for (const [ms, want] of cases) assert.equal(formatDuration(ms), want);
});
