import { test } from "node:test";
import assert from "node:assert/strict";
import { formatCidr, parseCidr } from "@bosun/api";
import { CidrSet, checkClusterCidr } from "../src/index.js";

const cluster = parseCidr("10.244.0.0/16");

test("a /16 holds 256 node ranges of /24, in address order", () => {
  const set = new CidrSet(cluster, 24);
  assert.equal(set.size, 256);
  assert.equal(formatCidr(set.range(0)), "10.244.0.0/24");
  assert.equal(formatCidr(set.range(7)), "10.244.7.0/24");
  assert.equal(formatCidr(set.range(255)), "10.244.255.0/24");
  assert.equal(formatCidr(new CidrSet(parseCidr("fd00:10:244::/48"), 64).range(3)), "fd00:10:244:3::/64");
});

test("occupying a range marks every node range it overlaps, and none outside the cluster CIDR", () => {
  const set = new CidrSet(cluster, 24);
  set.occupy(parseCidr("10.244.3.0/24"));
  set.occupy(parseCidr("10.244.8.0/22"));
  set.occupy(parseCidr("10.244.20.128/25"));
  set.occupy(parseCidr("10.245.0.0/24"));
  set.occupy(parseCidr("fd00::/64"));
  const taken = Array.from({ length: set.size }, (_, i) => i).filter((i) => set.isTaken(i));
  assert.deepEqual(taken, [3, 8, 9, 10, 11, 20]);
  set.occupy(parseCidr("10.0.0.0/8"));
  assert.equal(set.nextFree(0), undefined, "a supernet of the cluster CIDR takes everything");
});

test("the next free range is searched from a starting point, going round", () => {
  const set = new CidrSet(parseCidr("10.250.0.0/30"), 32);
  set.occupyIndex(1);
  set.occupyIndex(2);
  assert.equal(set.nextFree(0), 0);
  assert.equal(set.nextFree(1), 3);
  set.occupyIndex(3);
  assert.equal(set.nextFree(1), 0);
  set.occupyIndex(0);
  assert.equal(set.nextFree(2), undefined);
});

test("a mask size that does not fit the cluster CIDR is refused, saying what would", () => {
  assert.doesNotThrow(() => checkClusterCidr({ clusterCidr: "10.244.0.0/16", nodeCidrMaskSize: 24 }));
  assert.throws(() => checkClusterCidr({ clusterCidr: "10.244.0.0/16", nodeCidrMaskSize: 12 }), /must be between 16 and 32/);
  assert.throws(() => checkClusterCidr({ clusterCidr: "10.244.0.0/16", nodeCidrMaskSize: 33 }), /must be between 16 and 32/);
  assert.throws(() => checkClusterCidr({ clusterCidr: "10.0.0.0/8", nodeCidrMaskSize: 26 }), /2\^18 ranges of \/26.*at most 24/);
  assert.throws(() => checkClusterCidr({ clusterCidr: "10.244.0.1/16", nodeCidrMaskSize: 24 }), /first address of its range, "10.244.0.0\/16"/);
});
