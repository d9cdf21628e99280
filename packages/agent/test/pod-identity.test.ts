// How the agent names a pod in messages: one formatter for every message that names it as the kubelet does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { crashLoopMessage } from "../src/pod/backoff.js";
import { formatPod, podIdentity } from "../src/pod/identity.js";
import { testPod } from "./support/pods.js";

test("a pod is named name_namespace(uid), as the kubelet's format.Pod; a pod without a namespace is in default", () => {
  const pod = testPod("web", "node", []);
  pod.metadata.uid = "u-1";
  assert.equal(formatPod(podIdentity(pod)), "web_default(u-1)");
  delete pod.metadata.namespace;
  assert.equal(formatPod(podIdentity(pod)), "web_default(u-1)");
  assert.equal(crashLoopMessage(10_000, "app", podIdentity(pod)), "back-off 10s restarting failed container=app pod=web_default(u-1)");
});
