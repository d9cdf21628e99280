import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { appContainerSpec, infraContainerSpec, podHostname, pullPolicyOf, specHash } from "../src/pod/container-config.js";
import { terminationGraceOf } from "../src/labels.js";

const pod: Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "shop", uid: "0123456789abcdef" },
  spec: {
    containers: [
      {
        name: "app",
        image: "bosun.local/busybox:1",
        command: ["sh", "-c"],
        args: ["echo hi"],
        workingDir: "/tmp",
        env: [{ name: "A", value: "1" }, { name: "B" }],
        resources: { limits: { cpu: "500m", memory: "128Mi" } },
      },
    ],
  },
};

const noEnvironment = { env: [] };

test("an app container maps its environment, command, args, limits, labels and joins the infra namespace", () => {
  const c = pod.spec.containers[0]!;
  // The environment comes resolved and command and args expanded (env/environment.ts).
  const spec = appContainerSpec("n1", pod, c, "infra123", 2, { env: ["A=1", "B="], command: ["sh", "-c"], args: ["echo hi"] });
  assert.equal(spec.name, "bosun_n1_shop_web_app_01234567_2");
  assert.deepEqual(spec.entrypoint, ["sh", "-c"]);
  assert.deepEqual(spec.cmd, ["echo hi"]);
  assert.equal(spec.workingDir, "/tmp");
  assert.deepEqual(spec.env, ["A=1", "B="]);
  assert.equal(spec.networkMode, "container:infra123");
  assert.equal(spec.nanoCpus, 500_000_000);
  assert.equal(spec.memoryBytes, 128 * 1024 * 1024);
  assert.deepEqual(spec.labels, {
    "bosun.io/managed": "true",
    "bosun.io/node-name": "n1",
    "bosun.io/pod-uid": "0123456789abcdef",
    "bosun.io/pod-name": "web",
    "bosun.io/pod-namespace": "shop",
    "bosun.io/container-name": "app",
    "bosun.io/spec-hash": specHash(c),
    "bosun.io/restart-count": "2",
  });
});

test("without command or args the image's ENTRYPOINT and CMD stay, and no limits are set", () => {
  const spec = appContainerSpec("n1", pod, { name: "x", image: "img:1" }, "i", 0, noEnvironment);
  assert.equal(spec.entrypoint, undefined);
  assert.equal(spec.cmd, undefined);
  assert.equal(spec.nanoCpus, undefined);
  assert.equal(spec.memoryBytes, undefined);
});

test("the infra container owns the bridge network and is labelled POD", () => {
  const spec = infraContainerSpec("n1", pod, "bosun.local/pause:1", 0);
  assert.equal(spec.networkMode, "bridge");
  assert.equal(spec.image, "bosun.local/pause:1");
  assert.equal(spec.labels["bosun.io/container-name"], "POD");
  assert.equal(spec.hostname, "web");
});

test("the spec hash ignores key order and changes with the image", () => {
  const a = specHash({ name: "a", image: "x:1", args: ["1"] });
  const b = specHash({ args: ["1"], image: "x:1", name: "a" });
  assert.equal(a, b);
  assert.notEqual(a, specHash({ name: "a", image: "x:2", args: ["1"] }));
});

test("image pull policy defaults as in Kubernetes", () => {
  assert.equal(pullPolicyOf({ name: "a", image: "busybox" }), "Always");
  assert.equal(pullPolicyOf({ name: "a", image: "busybox:latest" }), "Always");
  assert.equal(pullPolicyOf({ name: "a", image: "localhost:5000/busybox" }), "Always");
  assert.equal(pullPolicyOf({ name: "a", image: "bosun.local/busybox:1" }), "IfNotPresent");
  assert.equal(pullPolicyOf({ name: "a", image: "busybox:1", imagePullPolicy: "Never" }), "Never");
});

test("the pod hostname is spec.hostname, else the pod name cut to 63 characters without a trailing - or .", () => {
  const withName = (name: string, hostname?: string): Pod => ({ ...pod, metadata: { ...pod.metadata, name }, spec: { ...pod.spec, hostname } });
  assert.equal(podHostname(withName("web-7d9f", "web-0")), "web-0");
  assert.equal(podHostname(withName("web-7d9f")), "web-7d9f");
  assert.equal(podHostname(withName(`${"a".repeat(61)}-.b`)), "a".repeat(61));
  assert.equal(infraContainerSpec("n1", withName("web-7d9f", "web-0"), "bosun.local/pause:1", 0).hostname, "web-0");
});

test("app containers record the pod's grace period for an agent that restarts without the pod", () => {
  const c = pod.spec.containers[0]!;
  const graceful: Pod = { ...pod, spec: { ...pod.spec, terminationGracePeriodSeconds: 45 } };
  assert.equal(terminationGraceOf(appContainerSpec("n1", graceful, c, "i", 0, noEnvironment).labels), 45);
  assert.equal(terminationGraceOf(appContainerSpec("n1", pod, c, "i", 0, noEnvironment).labels), undefined);
});
