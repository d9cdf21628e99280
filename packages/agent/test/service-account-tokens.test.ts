// Projected service-account tokens: the token manager asks for a token of the
// pod's account bound to the pod, keeps it, and asks again at 80% of its life or
// after 24 hours (the kubelet's rules, with an injected clock and jitter), keeping
// a valid token when the API cannot be reached; and the volume manager writes the
// kube-api-access volume Kubernetes' admission adds (token, ca.crt, namespace) on
// a tmpfs, renewing the token file at a refresh once the token is due.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "@bosun/api";
import { ServiceAccountTokenManager } from "../src/volumes/service-account-tokens.js";
import { VolumeManager } from "../src/volumes/manager.js";
import { FakeEnvObjects } from "./support/env-objects.js";
import { FakeMounts } from "./support/fake-mounts.js";

const scratch = await mkdtemp(join(tmpdir(), "bosun-tokens-"));
after(() => rm(scratch, { recursive: true, force: true }));

function tokenPod(): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "client", namespace: "apps", uid: randomUUID() },
    spec: {
      serviceAccountName: "reader",
      containers: [{ name: "app", image: "bosun.local/busybox:1", volumeMounts: [{ name: "kube-api-access-abcde", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }] }],
      volumes: [
        {
          name: "kube-api-access-abcde",
          projected: {
            defaultMode: 0o644,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
              { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
            ],
          },
        },
      ],
    },
  };
}

const hour = 3_600_000;

describe("service-account token manager", () => {
  test("asks once for a token of the pod's account, bound to the pod, and keeps it until 80% of its life has passed", async () => {
    let clock = 1_000_000;
    const objects = new FakeEnvObjects();
    objects.now = () => clock;
    const tokens = new ServiceAccountTokenManager(objects, { now: () => clock, random: () => 0 });
    const pod = tokenPod();
    const projection = { expirationSeconds: 3600, path: "token" };
    assert.equal(await tokens.token(pod, projection), "token-1");
    assert.deepEqual(objects.tokenRequests[0], {
      namespace: "apps",
      serviceAccount: "reader",
      request: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        metadata: {},
        spec: { audiences: [], expirationSeconds: 3600, boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "client", uid: pod.metadata.uid } },
      },
    });
    clock += 0.79 * hour;
    assert.equal(await tokens.token(pod, projection), "token-1", "fresh: kept");
    clock += 0.02 * hour;
    assert.equal(await tokens.token(pod, projection), "token-2", "past 80%: renewed");
    assert.equal(objects.tokenRequests.length, 2);
  });

  test("a long-lived token is renewed after 24 hours, less the jitter", () => {
    const clock = { now: 0 };
    const tokens = new ServiceAccountTokenManager(new FakeEnvObjects(), { now: () => clock.now, random: () => 0.5 });
    const week = 7 * 24 * 3600;
    const tr = {
      apiVersion: "authentication.k8s.io/v1" as const,
      kind: "TokenRequest" as const,
      metadata: {},
      spec: { expirationSeconds: week },
      status: { token: "t", expirationTimestamp: new Date(week * 1000).toISOString() },
    };
    clock.now = 24 * hour - 6_000;
    assert.equal(tokens.requiresRefresh(tr), false, "5 s of jitter: not yet");
    clock.now = 24 * hour - 4_000;
    assert.equal(tokens.requiresRefresh(tr), true);
  });

  test("when the API cannot be reached a token that has not expired is kept; an expired one is not", async () => {
    let clock = 0;
    const objects = new FakeEnvObjects();
    objects.now = () => clock;
    const tokens = new ServiceAccountTokenManager(objects, { now: () => clock, random: () => 0 });
    const pod = tokenPod();
    const projection = { expirationSeconds: 3600, path: "token" };
    assert.equal(await tokens.token(pod, projection), "token-1");
    objects.failure = new Error("connect ECONNREFUSED 127.0.0.1:6443");
    clock = 0.9 * hour;
    assert.equal(await tokens.token(pod, projection), "token-1");
    clock = 1.1 * hour;
    await assert.rejects(tokens.token(pod, projection), /^Error: failed to fetch token: connect ECONNREFUSED/);
  });

  test("a pod that leaves the node takes its tokens with it", async () => {
    const objects = new FakeEnvObjects();
    const tokens = new ServiceAccountTokenManager(objects);
    const pod = tokenPod();
    const projection = { expirationSeconds: 3600, path: "token" };
    await tokens.token(pod, projection);
    tokens.forget(pod.metadata.uid ?? "");
    assert.equal(await tokens.token(pod, projection), "token-2");
  });
});

describe("the kube-api-access volume", () => {
  test("token, ca.crt and namespace on a tmpfs, the token renewed at the refresh after it is due", async () => {
    let clock = 5_000_000;
    const objects = new FakeEnvObjects();
    objects.now = () => clock;
    objects.putConfigMap("apps", "kube-root-ca.crt", { "ca.crt": "CA PEM" });
    const mounts = new FakeMounts();
    const manager = new VolumeManager({ podsDir: await mkdtemp(join(scratch, "pods-")), mounts, objects, refreshIntervalMs: 20_000, now: () => clock, nodeAllocatable: () => ({ memory: "1Gi" }) });
    const pod = tokenPod();
    await manager.setUp(pod);
    const state = manager.state(pod.metadata.uid ?? "", "kube-api-access-abcde");
    assert.ok(state?.ok, JSON.stringify(state));
    const dir = state.volume.hostPath;
    assert.ok(mounts.tmpfs.has(dir), "a token never touches the node's disk");
    assert.equal(await readFile(join(dir, "token"), "utf8"), "token-1");
    assert.equal(await readFile(join(dir, "ca.crt"), "utf8"), "CA PEM");
    assert.equal(await readFile(join(dir, "namespace"), "utf8"), "apps");
    assert.equal((await stat(join(dir, "token"))).mode & 0o777, 0o644);

    clock += 20_000;
    await manager.setUp(pod);
    assert.equal(await readFile(join(dir, "token"), "utf8"), "token-1", "a refresh keeps a fresh token");
    clock += 0.8 * 3607 * 1000;
    await manager.setUp(pod);
    assert.equal(await readFile(join(dir, "token"), "utf8"), "token-2");
  });
});
