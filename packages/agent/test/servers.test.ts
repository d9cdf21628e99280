// The agent's address flags: --server URLs, and the ingress proxy's listen addresses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseListenFlag, parseServers } from "../src/servers.js";

test("listen flags are host:port or off", () => {
  assert.deepEqual(parseListenFlag("0.0.0.0:80", "--ingress-http"), { host: "0.0.0.0", port: 80 });
  assert.deepEqual(parseListenFlag("[::]:8443", "--ingress-https"), { host: "::", port: 8443 });
  assert.equal(parseListenFlag("off", "--ingress-http"), false);
  assert.throws(() => parseListenFlag("80", "--ingress-http"), /--ingress-http "80" must be host:port \(such as 0\.0\.0\.0:80\) or off/);
  assert.throws(() => parseListenFlag("0.0.0.0:http", "--ingress-http"), /must be host:port/);
  assert.throws(() => parseListenFlag("0.0.0.0:70000", "--ingress-https"), /--ingress-https "0\.0\.0\.0:70000"/);
});

test("server URLs are split on commas", () => {
  assert.deepEqual(parseServers("https://a:6443, https://b:6443"), ["https://a:6443", "https://b:6443"]);
});
