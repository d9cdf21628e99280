import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestEtcd } from "@bosun/apiserver/testing";
import { sleep } from "@bosun/client";
import { electionKeyFor, startLeaderElection, type LeaderElection } from "../src/leader-election.js";

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test("the election key lives outside the apiserver's object prefix", () => {
  assert.equal(electionKeyFor("/registry"), "/registry-elections/bosun-controller-manager");
  assert.equal(electionKeyFor("/registry/"), "/registry-elections/bosun-controller-manager");
  assert.ok(!electionKeyFor("/registry").startsWith("/registry/"));
});

test("one of two masters leads; when it steps down the other takes over", async () => {
  const etcd = await startTestEtcd();
  const log: string[] = [];
  const electionKey = electionKeyFor(`/test-${process.pid}`);
  const start = (identity: string): LeaderElection =>
    startLeaderElection({
      etcdEndpoints: [etcd.endpoint],
      electionKey,
      identity,
      leaseTtlSeconds: 2,
      onStartedLeading: async () => void log.push(`${identity} started`),
      onStoppedLeading: async () => void log.push(`${identity} stopped`),
    });
  const a = start("a");
  try {
    await until(() => a.isLeader(), 10_000, "a to lead");
    const b = start("b");
    try {
      await sleep(1500);
      assert.equal(b.isLeader(), false, "only one master leads at a time");
      await a.stop();
      await until(() => b.isLeader(), 10_000, "b to take over");
      assert.deepEqual(log, ["a started", "a stopped", "b started"]);
    } finally {
      await b.stop();
    }
    assert.deepEqual(log.at(-1), "b stopped");
  } finally {
    await a.stop().catch(() => undefined);
    await etcd.stop();
  }
});

test("a leader whose components fail to start gives the lease up and campaigns again", async () => {
  const etcd = await startTestEtcd();
  let attempts = 0;
  const log: string[] = [];
  const election = startLeaderElection({
    etcdEndpoints: [etcd.endpoint],
    electionKey: electionKeyFor(`/test-fail-${process.pid}`),
    identity: "flaky",
    leaseTtlSeconds: 2,
    onStartedLeading: async () => {
      attempts++;
      if (attempts === 1) throw new Error("informers could not sync");
      log.push("started");
    },
    onStoppedLeading: async () => void log.push("stopped"),
  });
  try {
    await until(() => election.isLeader() && attempts === 2, 15_000, "the second, successful start");
    assert.deepEqual(log, ["stopped", "started"], "the failed start was cleaned up before the retry");
  } finally {
    await election.stop();
    await etcd.stop();
  }
});
