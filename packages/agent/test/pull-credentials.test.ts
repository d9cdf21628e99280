// imagePullSecrets: which registry credentials an image gets from dockerconfigjson
// and dockercfg Secrets (the kubelet's keyring rules), and the pod worker trying
// them in turn on a fake runtime, telling a Secret it cannot read.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { PodStatus, Secret } from "@bosun/api";
import { ContainerBackoff, PodManager, type PodEventRecord } from "../src/index.js";
import { credentialsFor } from "../src/pod/pull-credentials.js";
import { FakeEnvObjects } from "./support/env-objects.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { waitFor } from "./support/fake-master.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";
import { testPod } from "./support/pods.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function pullSecret(name: string, type: string, key: string, config: unknown): Secret {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "default" }, type, data: { [key]: b64(JSON.stringify(config)) } };
}

const json = (name: string, auths: Record<string, unknown>) => pullSecret(name, "kubernetes.io/dockerconfigjson", ".dockerconfigjson", { auths });

test("an image gets the credentials of the entries that match its registry and repository, the most specific first", () => {
  const secrets = [
    json("team", {
      "registry.example.com:5000/team": { username: "team", password: "t" },
      "https://registry.example.com:5000/v2/": { auth: b64("any:a") },
      "*.example.org": { username: "wild", password: "w", email: "w@example.org" },
    }),
    pullSecret("old", "kubernetes.io/dockercfg", ".dockercfg", { "other.example.com": { username: "old", password: "o" } }),
    // Not a pull Secret: its type says it holds no registry credentials.
    pullSecret("opaque", "Opaque", ".dockerconfigjson", { auths: { "registry.example.com:5000": { username: "opaque" } } }),
  ];
  assert.deepEqual(credentialsFor("registry.example.com:5000/team/app:1.0", secrets), [
    { serveraddress: "registry.example.com:5000", username: "team", password: "t" },
    { serveraddress: "registry.example.com:5000", username: "any", password: "a" },
  ]);
  assert.deepEqual(credentialsFor("registry.example.com:5000/other/app@sha256:abc", secrets), [{ serveraddress: "registry.example.com:5000", username: "any", password: "a" }]);
  assert.deepEqual(credentialsFor("eu.example.org/app", secrets), [{ serveraddress: "*.example.org", username: "wild", password: "w", email: "w@example.org" }]);
  assert.deepEqual(credentialsFor("a.b.example.org/app", secrets), [], "* stands for one label of the host");
  assert.deepEqual(credentialsFor("other.example.com/app", secrets), [{ serveraddress: "other.example.com", username: "old", password: "o" }]);
  assert.deepEqual(credentialsFor("registry.example.com/app", secrets), [], "another port is another registry");
});

test("Docker Hub images get the credentials of index.docker.io", () => {
  const secrets = [json("hub", { "https://index.docker.io/v1/": { username: "hub", password: "h" } })];
  const hub = [{ serveraddress: "index.docker.io", username: "hub", password: "h" }];
  assert.deepEqual(credentialsFor("nginx:1.27", secrets), hub);
  assert.deepEqual(credentialsFor("library/nginx", secrets), hub);
  assert.deepEqual(credentialsFor("docker.io/library/nginx", secrets), hub);
  assert.deepEqual(credentialsFor("localhost/app", secrets), []);
  assert.deepEqual(credentialsFor("quay.io/app", secrets), []);
});

test("the pod worker tries each credential until a pull works, and tells a pull Secret it cannot read", async () => {
  const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  const objects = new FakeEnvObjects();
  const statuses = new Map<string, PodStatus>();
  const events: PodEventRecord[] = [];
  const pods = new PodManager({
    runtime,
    nodeName: "pull-node",
    infraImage: PAUSE_IMAGE,
    hostIP: () => "192.0.2.10",
    reportStatus: (pod, status) => statuses.set(pod.uid, status),
    reportEvent: (_pod, ev) => events.push(ev),
    resyncIntervalMs: 200,
    backoff: new ContainerBackoff(),
    envObjects: objects,
  });
  await pods.start();
  after(() => pods.stop());
  const registry = BUSYBOX_IMAGE.split("/")[0] ?? "";
  objects.putTypedSecret("default", "wrong", "kubernetes.io/dockerconfigjson", { ".dockerconfigjson": JSON.stringify({ auths: { [registry]: { username: "intruder", password: "x" } } }) });
  objects.putTypedSecret("default", "right", "kubernetes.io/dockerconfigjson", { ".dockerconfigjson": JSON.stringify({ auths: { [registry]: { username: "puller", password: "p" } } }) });
  runtime.acceptedUser = "puller";

  const pod = testPod("private", "pull-node", [{ imagePullPolicy: "Always" }], { imagePullSecrets: [{ name: "missing" }, { name: "wrong" }, { name: "right" }] });
  pods.applyComplete([pod]);
  await waitFor("Running", () => statuses.get(pod.metadata.uid ?? "")?.phase === "Running");
  const app = runtime.pulls.filter((p) => p.ref === BUSYBOX_IMAGE);
  assert.deepEqual(
    app.map((p) => p.auth?.username),
    ["intruder", "puller"],
    "the credentials in the order of the pod's Secrets, until one works",
  );
  assert.deepEqual(app[1]?.auth, { serveraddress: registry, username: "puller", password: "p" });
  assert.ok(
    events.some((e) => e.type === "Warning" && e.reason === "FailedToRetrieveImagePullSecret" && e.message === "Unable to retrieve some image pull secrets (missing); attempting to pull the image may not succeed."),
    JSON.stringify(events),
  );
  assert.ok(runtime.pulls.every((p) => p.ref !== PAUSE_IMAGE || p.auth === undefined), "the infra image is the node's, pulled without the pod's credentials");
});
