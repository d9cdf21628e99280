// The node's pod addresses: one per pod for its life on the node, handed out round
// the range after the gateway, rebuilt from sandboxes' labels, refused when full.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PodAddresses } from "../src/network/pod-addresses.js";

test("a pod keeps its address; the next pod gets the next one after the gateway", () => {
  const a = new PodAddresses();
  a.setCidr("10.244.3.0/24");
  assert.equal(a.assign("p1"), "10.244.3.2");
  assert.equal(a.assign("p1"), "10.244.3.2", "asked again, the same");
  assert.equal(a.assign("p2"), "10.244.3.3");
});

test("a freed address is handed out again only after the rest of the range", () => {
  const a = new PodAddresses();
  a.setCidr("10.244.3.0/29"); // .2 to .6 usable
  for (const p of ["p1", "p2", "p3", "p4", "p5"]) a.assign(p);
  a.release("p2");
  assert.equal(a.assign("p6"), "10.244.3.3", "the only free one");
  a.release("p1");
  a.release("p3");
  assert.equal(a.assign("p7"), "10.244.3.4", "the search goes on after the last one given");
  assert.equal(a.assign("p8"), "10.244.3.2", "and round the range");
  assert.throws(() => {
    a.assign("p9");
  }, /every address of the node's pod CIDR 10\.244\.3\.0\/29 is in use \(5 pods\); delete pods or give nodes larger ranges/);
});

test("adopted addresses are never handed out twice", () => {
  const a = new PodAddresses();
  a.setCidr("10.244.3.0/24");
  a.adopt("old", "10.244.3.2");
  a.adopt("bogus", "not-an-ip");
  assert.equal(a.assign("new"), "10.244.3.3");
  assert.equal(a.assign("old"), "10.244.3.2");
  assert.equal(a.size, 2);
});

test("a new range: pods keep addresses of the old one until they are reassigned", () => {
  const a = new PodAddresses();
  a.setCidr("10.244.3.0/24");
  a.assign("p1");
  a.setCidr("10.244.9.0/24");
  assert.equal(a.assign("p2"), "10.244.9.2");
  assert.equal(a.assign("p1"), "10.244.9.3", "an address outside the range is replaced");
  assert.throws(() => a.setCidr("10.244.9.0/33"), /the pod CIDR "10\.244\.9\.0\/33" is not an IPv4 CIDR/);
  assert.throws(() => new PodAddresses().assign("p"), /no pod CIDR yet/);
});
