import { test } from "node:test";
import assert from "node:assert/strict";
import { formatHostPort, parseDurationMs, parseHostPort, parseMasterConfig } from "../src/config.js";

test("host:port parsing", () => {
  assert.deepEqual(parseHostPort("127.0.0.1:6443", "--api-listen"), { host: "127.0.0.1", port: 6443 });
  assert.deepEqual(parseHostPort("[::1]:6444", "--grpc-listen"), { host: "::1", port: 6444 });
  assert.deepEqual(parseHostPort(":6443", "--api-listen"), { host: "0.0.0.0", port: 6443 });
  assert.throws(() => parseHostPort("localhost", "--api-listen"), /--api-listen must be host:port/);
  assert.throws(() => parseHostPort("a:70000", "--api-listen"), /not between 0 and 65535/);
  assert.equal(formatHostPort({ host: "::1", port: 1 }), "[::1]:1");
  assert.equal(formatHostPort({ host: "0.0.0.0", port: 1 }), "127.0.0.1:1");
});

test("durations in milliseconds, with or without a unit", () => {
  assert.equal(parseDurationMs("5000", "--x"), 5000);
  assert.equal(parseDurationMs("250ms", "--x"), 250);
  assert.equal(parseDurationMs("1.5s", "--x"), 1500);
  assert.equal(parseDurationMs("1m", "--x"), 60_000);
  assert.throws(() => parseDurationMs("soon", "--heartbeat-period-ms"), /--heartbeat-period-ms must be a duration/);
  assert.throws(() => parseDurationMs("0", "--x"), /longer than 0/);
  assert.equal(parseDurationMs("0", "--x", { allowZero: true }), 0);
  assert.equal(parseDurationMs("0s", "--x", { allowZero: true }), 0);
});

test("the whole configuration, and a grace period too short for the heartbeat refused", () => {
  const flags = {
    etcdServers: "http://127.0.0.1:2379, http://127.0.0.1:22379",
    etcdPrefix: "/registry",
    apiListen: "127.0.0.1:6443",
    grpcListen: "127.0.0.1:6444",
    heartbeatPeriodMs: "5000",
    nodeMonitorGraceMs: "15000",
    podEvictionTimeout: "30s",
    eventTtl: "1h",
    leaderLease: "15s",
    etcdCompactionInterval: "5m",
    logLevel: "info",
  };
  const config = parseMasterConfig(flags);
  assert.deepEqual(config.etcdServers, ["http://127.0.0.1:2379", "http://127.0.0.1:22379"]);
  assert.equal(config.nodeMonitorGraceMs, 15000);
  assert.equal(config.podEvictionTimeoutMs, 30_000);
  assert.equal(config.eventTtlMs, 3_600_000);
  assert.equal(config.leaderLeaseMs, 15_000);
  assert.equal(config.etcdCompactionIntervalMs, 300_000);
  assert.equal(parseMasterConfig({ ...flags, etcdCompactionInterval: "0" }).etcdCompactionIntervalMs, 0);
  assert.throws(
    () => parseMasterConfig({ ...flags, etcdCompactionInterval: "often" }),
    /--etcd-compaction-interval must be a duration/,
  );
  assert.throws(() => parseMasterConfig({ ...flags, podEvictionTimeout: "soon" }), /--pod-eviction-timeout must be a duration/);
  assert.throws(() => parseMasterConfig({ ...flags, leaderLease: "500ms" }), /--leader-lease must be at least 1s/);
  assert.throws(() => parseMasterConfig({ ...flags, nodeMonitorGraceMs: "6000" }), /at least twice --heartbeat-period-ms/);
  assert.throws(() => parseMasterConfig({ ...flags, etcdServers: "127.0.0.1:2379" }), /not an http\(s\) URL/);
  assert.throws(() => parseMasterConfig({ ...flags, logLevel: "loud" }), /--log-level must be one of/);
});
