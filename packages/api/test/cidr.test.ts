import assert from "node:assert/strict";
import { test } from "node:test";
import { cidrContains, cidrProblem, cidrsOverlap, formatCidr, formatIp, parseCidr, parseIp } from "../src/index.js";

test("IPv4 and IPv6 addresses parse as Go parses them, and print back in canonical form", () => {
  assert.deepEqual(parseIp("10.244.1.0"), { family: 4, value: 0x0af40100n });
  assert.equal(parseIp("010.1.1.1"), undefined, "leading zeros are refused, as Go 1.17+ does");
  assert.equal(parseIp("256.1.1.1"), undefined);
  assert.equal(parseIp("1.2.3"), undefined);
  assert.equal(parseIp("fe80::1%eth0"), undefined, "zones are not addresses of a range");
  assert.equal(parseIp("1::2::3"), undefined);
  assert.equal(parseIp("1:2:3:4:5:6:7:8:9"), undefined);
  assert.equal(parseIp("1:2:3:4:5:6:7::8"), undefined, ":: must stand for at least one group");
  for (const [text, printed] of [
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["::", "::"],
    ["::1", "::1"],
    ["fd00:10:244::", "fd00:10:244::"],
    ["2001:db8:0:1:0:0:0:0", "2001:db8:0:1::"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:0:0:1:1:0:0:1", "2001::1:1:0:0:1"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"],
    ["2001:db8:0:1:2:3:4:5", "2001:db8:0:1:2:3:4:5"],
    ["::ffff:10.0.0.1", "::ffff:a00:1"],
  ] as const) {
    const ip = parseIp(text);
    assert.ok(ip, text);
    assert.equal(ip.family, 6);
    assert.equal(formatIp(6, ip.value), printed, text);
  }
});

test("CIDRs: valid ranges parse; typos and host bits are explained", () => {
  assert.deepEqual(parseCidr("10.244.0.0/16"), { family: 4, network: 0x0af40000n, prefixLength: 16 });
  assert.equal(formatCidr(parseCidr("fd00:10:244:1::/64")), "fd00:10:244:1::/64");
  assert.equal(formatCidr(parseCidr("0.0.0.0/0")), "0.0.0.0/0");
  assert.equal(cidrProblem("10.244.1.0/24"), undefined);
  assert.match(cidrProblem("10.244.1.0") ?? "", /must be a valid CIDR value/);
  assert.match(cidrProblem("10.244.1.0/33") ?? "", /must be a valid CIDR value/);
  assert.match(cidrProblem("10.244.1.0/024") ?? "", /must be a valid CIDR value/);
  assert.match(cidrProblem("banana/8") ?? "", /must be a valid CIDR value/);
  assert.equal(cidrProblem("10.244.1.7/24"), 'must be the first address of its range, "10.244.1.0/24"');
  assert.throws(() => parseCidr("10.244.1.7/16"), /"10.244.1.7\/16" is not a usable CIDR: it must be the first address of its range, "10.244.0.0\/16"/);
});

test("containment and overlap", () => {
  const cluster = parseCidr("10.244.0.0/16");
  assert.ok(cidrContains(cluster, parseCidr("10.244.255.0/24")));
  assert.ok(cidrContains(cluster, cluster));
  assert.ok(!cidrContains(cluster, parseCidr("10.245.0.0/24")));
  assert.ok(!cidrContains(parseCidr("10.244.1.0/24"), cluster));
  assert.ok(cidrsOverlap(parseCidr("10.244.1.0/24"), parseCidr("10.244.0.0/23")));
  assert.ok(!cidrsOverlap(parseCidr("10.244.1.0/24"), parseCidr("10.244.2.0/23")));
  assert.ok(!cidrsOverlap(parseCidr("0.0.0.0/0"), parseCidr("::/0")), "families never overlap");
});
