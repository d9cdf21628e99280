import { test } from "node:test";
import assert from "node:assert/strict";
import { internalIP } from "@bosun/client";
import { formatHostPort, parseDurationMs, parseHostPort, parseMasterConfig, type MasterFlags } from "../src/config.js";

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
  assert.equal(parseDurationMs("1h30m", "--x"), 5_400_000);
  assert.throws(() => parseDurationMs("soon", "--heartbeat-period-ms"), /^Error: --heartbeat-period-ms: "soon" is not a duration; .*a bare number counts milliseconds/);
  assert.throws(() => parseDurationMs("0", "--x"), /longer than 0/);
  assert.equal(parseDurationMs("0", "--x", { allowZero: true }), 0);
  assert.equal(parseDurationMs("0s", "--x", { allowZero: true }), 0);
});

const flags: MasterFlags = {
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
  clusterCidr: "10.244.0.0/16",
  nodeCidrMaskSize: "24",
  serviceClusterIpRange: "10.96.0.0/12",
  serviceNodePortRange: "30000-32767",
  dataDir: "/var/lib/bosun/master",
  nodeCertValidity: "8760h",
  defaultLocalStoragePath: "/var/lib/bosun/storage",
  localPathHelperImage: "bosun.local/busybox:1",
  logLevel: "info",
};

test("the whole configuration, and a grace period too short for the heartbeat refused", () => {
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
    /--etcd-compaction-interval: ".*" is not a duration/,
  );
  assert.throws(() => parseMasterConfig({ ...flags, podEvictionTimeout: "soon" }), /--pod-eviction-timeout: ".*" is not a duration/);
  assert.throws(() => parseMasterConfig({ ...flags, leaderLease: "500ms" }), /--leader-lease must be at least 1s/);
  assert.throws(() => parseMasterConfig({ ...flags, nodeMonitorGraceMs: "6000" }), /at least twice --heartbeat-period-ms/);
  assert.throws(() => parseMasterConfig({ ...flags, etcdServers: "127.0.0.1:2379" }), /not an http\(s\) URL/);
  assert.throws(() => parseMasterConfig({ ...flags, logLevel: "loud" }), /--log-level must be one of/);
});

test("the pod network's cluster CIDR and node range size are checked together", () => {
  const config = parseMasterConfig(flags);
  assert.equal(config.clusterCidr, "10.244.0.0/16");
  assert.equal(config.nodeCidrMaskSize, 24);
  const v6 = parseMasterConfig({ ...flags, clusterCidr: "FD00:10:244:0::/56", nodeCidrMaskSize: "64" });
  assert.deepEqual([v6.clusterCidr, v6.nodeCidrMaskSize], ["fd00:10:244::/56", 64], "the range in canonical form");
  assert.throws(
    () => parseMasterConfig({ ...flags, clusterCidr: "10.244.0.0" }),
    /--cluster-cidr 10.244.0.0 with --node-cidr-mask-size 24: "10.244.0.0" is not a usable CIDR: it must be a valid CIDR value/,
  );
  assert.throws(() => parseMasterConfig({ ...flags, clusterCidr: "10.244.3.0/16" }), /must be the first address of its range, "10.244.0.0\/16"/);
  assert.throws(() => parseMasterConfig({ ...flags, nodeCidrMaskSize: "8" }), /node CIDR mask size must be between 16 and 32/);
  assert.throws(() => parseMasterConfig({ ...flags, nodeCidrMaskSize: "/24" }), /--node-cidr-mask-size must be a prefix length such as 24/);
});

test("TLS settings: the data directory, extra certificate names, node certificate lifetime and etcd's files", () => {
  const config = parseMasterConfig({ ...flags, tlsSan: " master.example, 10.0.0.5 ,," });
  assert.equal(config.dataDir, "/var/lib/bosun/master");
  assert.deepEqual(config.tlsSans, ["master.example", "10.0.0.5"]);
  assert.equal(config.nodeCertValidityMs, 8760 * 3_600_000);
  assert.equal(config.etcdTlsFiles, undefined, "plain etcd needs no files");
  assert.throws(() => parseMasterConfig({ ...flags, nodeCertValidity: "30s" }), /--node-cert-validity must be at least 1m/);
  assert.throws(() => parseMasterConfig({ ...flags, nodeCertValidity: "a year" }), /--node-cert-validity: ".*" is not a duration/);

  const https = { ...flags, etcdServers: "https://10.0.0.1:2379" };
  assert.deepEqual(parseMasterConfig({ ...https, etcdCafile: "/e/ca.crt", etcdCertfile: "/e/m.crt", etcdKeyfile: "/e/m.key" }).etcdTlsFiles, {
    ca: "/e/ca.crt",
    cert: "/e/m.crt",
    key: "/e/m.key",
  });
  assert.throws(() => parseMasterConfig(https), /--etcd-servers uses https: give --etcd-cafile/);
  assert.throws(() => parseMasterConfig({ ...https, etcdCafile: "/e/ca.crt", etcdCertfile: "/e/m.crt" }), /--etcd-certfile and --etcd-keyfile go together/);
  assert.throws(() => parseMasterConfig({ ...flags, etcdCafile: "/e/ca.crt" }), /--etcd-servers are http:\/\/; use https:\/\/ URLs/);
});

test("service ranges: a CIDR apart from the pod range, and a port range", () => {
  const config = parseMasterConfig(flags);
  assert.deepEqual(config.serviceRanges.nodePorts, { min: 30000, max: 32767 });
  assert.equal(config.serviceRanges.clusterIps.prefixLength, 12);
  assert.throws(() => parseMasterConfig({ ...flags, serviceClusterIpRange: "10.96.0.1/12" }), /--service-cluster-ip-range "10\.96\.0\.1\/12": /);
  assert.throws(() => parseMasterConfig({ ...flags, serviceClusterIpRange: "10.96.0.0/31" }), /must be an IPv4 range between \/8 and \/30/);
  assert.throws(() => parseMasterConfig({ ...flags, serviceClusterIpRange: "fd00::/108" }), /must be an IPv4 range/);
  assert.throws(() => parseMasterConfig({ ...flags, serviceClusterIpRange: "10.244.128.0/20" }), /overlaps --cluster-cidr 10\.244\.0\.0\/16: Service IPs and pod IPs must come from separate ranges/);
  assert.throws(() => parseMasterConfig({ ...flags, serviceNodePortRange: "32767-30000" }), /--service-node-port-range "32767-30000" must be two port numbers/);
  assert.throws(() => parseMasterConfig({ ...flags, serviceNodePortRange: "30000" }), /must be two port numbers such as 30000-32767/);
});

test("the advertise address: given, else the listen address, else the host's own", () => {
  assert.equal(parseMasterConfig({ ...flags, advertiseAddress: "192.0.2.7" }).advertiseAddress, "192.0.2.7");
  assert.equal(parseMasterConfig(flags).advertiseAddress, "127.0.0.1");
  assert.equal(parseMasterConfig({ ...flags, apiListen: "0.0.0.0:6443" }).advertiseAddress, internalIP());
  assert.throws(() => parseMasterConfig({ ...flags, advertiseAddress: "master-1" }), /--advertise-address "master-1" must be an IP address of this host/);
  assert.throws(() => parseMasterConfig({ ...flags, advertiseAddress: "0.0.0.0" }), /must be an IP address/);
});

test("local storage: an absolute node directory and a helper image, or turned off", () => {
  assert.deepEqual(parseMasterConfig(flags).localStorage, { storagePath: "/var/lib/bosun/storage", helperImage: "bosun.local/busybox:1" });
  assert.deepEqual(parseMasterConfig({ ...flags, defaultLocalStoragePath: "/srv//volumes/" }).localStorage?.storagePath, "/srv/volumes/");
  assert.throws(() => parseMasterConfig({ ...flags, defaultLocalStoragePath: "volumes" }), /--default-local-storage-path must be an absolute directory of the nodes, got "volumes"/);
  assert.throws(() => parseMasterConfig({ ...flags, localPathHelperImage: " " }), /--local-path-helper-image must name an image/);
  assert.throws(() => parseMasterConfig({ ...flags, defaultLocalStoragePath: "//" }), /--default-local-storage-path must not be \/: name a directory for volumes alone/);
  assert.equal(parseMasterConfig({ ...flags, disableLocalStorage: true }).localStorage, undefined);
});
