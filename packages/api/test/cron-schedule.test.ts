import assert from "node:assert/strict";
import { test } from "node:test";
import { cronScheduleProblem, parseCronSchedule, timeZoneProblem } from "../src/index.js";

test("Kubernetes' schedule forms are accepted", () => {
  for (const s of ["*/5 * * * *", "0 0 * * 0", "0 0 * * 7", "5/15 * * * *", "1-10/2 * * * *", "0 9 * * MON-FRI", "0 0 1 jan *", "? * * * *"]) {
    assert.equal(cronScheduleProblem(s), undefined, s);
  }
  for (const d of ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@HOURLY"]) {
    assert.equal(cronScheduleProblem(d), undefined, d);
  }
});

test("six fields are seconds first (a Bosun extension)", () => {
  assert.equal(cronScheduleProblem("*/10 * * * * *"), undefined);
  const it = parseCronSchedule("*/10 * * * * *", { currentDate: new Date("2024-01-01T00:00:01Z") });
  assert.equal(it.next().toISOString(), "2024-01-01T00:00:10.000Z");
  assert.equal(it.next().toISOString(), "2024-01-01T00:00:20.000Z");
});

test("what Kubernetes' parser does not know is refused", () => {
  assert.match(cronScheduleProblem("* * * *")!, /^expected exactly 5 fields .* found 4: \[\* \* \* \*\]$/);
  assert.match(cronScheduleProblem("* * * * * * *")!, /found 7/);
  assert.match(cronScheduleProblem("0 0 L * *")!, /unsupported cron field syntax "L"/);
  assert.match(cronScheduleProblem("0 0 * * 1#2")!, /unsupported cron field syntax "1#2"/);
  assert.match(cronScheduleProblem("H * * * *")!, /unsupported cron field syntax "H"/);
  assert.match(cronScheduleProblem("@every 1h")!, /unrecognized descriptor/);
  assert.match(cronScheduleProblem("60 * * * *")!, /0-59/);
  assert.ok(cronScheduleProblem("* 24 * * *"));
  assert.ok(cronScheduleProblem("JAN * * * *"), "names only where they mean something");
});

test("descriptors and time zones resolve to the right instants", () => {
  const daily = parseCronSchedule("@midnight", { timeZone: "Europe/Berlin", currentDate: new Date("2024-01-01T12:00:00Z") });
  assert.equal(daily.next().toISOString(), "2024-01-01T23:00:00.000Z");
  const utc = parseCronSchedule("@hourly", { currentDate: new Date("2024-01-01T12:30:00Z") });
  assert.equal(utc.next().toISOString(), "2024-01-01T13:00:00.000Z");
  assert.throws(() => parseCronSchedule("nonsense"), /invalid schedule "nonsense"/);
});

test("time zones: IANA names, not Local, not paths", () => {
  assert.equal(timeZoneProblem("UTC"), undefined);
  assert.equal(timeZoneProblem("America/New_York"), undefined);
  assert.equal(timeZoneProblem("Nowhere/Special"), "unknown time zone Nowhere/Special");
  assert.equal(timeZoneProblem("../../etc/passwd"), "unknown time zone ../../etc/passwd");
  assert.equal(timeZoneProblem("Local"), "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones");
  assert.equal(timeZoneProblem(""), "timeZone must be nil or non-empty string");
});
