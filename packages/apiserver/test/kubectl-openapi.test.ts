// Real kubectl builds against the OpenAPI documents and field validation: apply
// with the default --validate=strict, --validate=warn, and explain (1.27 also
// through /openapi/v2 in protobuf).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { call, startTestApiServer, testPki, type TestApiServer } from "../src/testing/index.js";

const run = promisify(execFile);

const image = "bosun.local/busybox:1";

function manifests(suffix: string, change: boolean): string {
  const replicas = change ? 3 : 1;
  const tier = change ? "back" : "front";
  return `apiVersion: v1
kind: Pod
metadata:
  name: pod-${suffix}
  labels: {tier: ${tier}}
spec:
  containers:
  - name: main
    image: ${image}
    command: ["sleep", "3600"]
    ports: [{containerPort: 8080}]
    env: [{name: MODE, value: test}]
    resources: {requests: {cpu: 100m, memory: 64Mi}}
    livenessProbe: {httpGet: {path: /healthz, port: 8080}, initialDelaySeconds: 3}
  tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: deploy-${suffix}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: deploy-${suffix}}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: deploy-${suffix}}}
    spec:
      containers:
      - name: main
        image: ${image}
        readinessProbe: {tcpSocket: {port: http}}
        ports: [{name: http, containerPort: 80}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: job-${suffix}
  labels: {tier: ${tier}}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: ${image}, command: ["true"]}]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cron-${suffix}
spec:
  schedule: "${change ? "*/5 * * * *" : "0 * * * *"}"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: main, image: ${image}}]
`;
}

const typo = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: main, image: ${image}, imagee: typo}]
`;

for (const version of ["1.27", "1.33"]) {
  describe(`kubectl ${version} with OpenAPI and field validation`, () => {
    let server: TestApiServer;
    let url: string;
    let dir: string;
    const suffix = version.replace(".", "");
    before(async () => {
      server = await startTestApiServer();
      url = server.url;
      dir = await mkdtemp(join(tmpdir(), "bosun-kubectl-openapi-"));
      // The cluster's CA and the admin's certificate inline, as the kubeconfigs bosun writes carry them.
      const pki = await testPki();
      const b64 = (pem: string) => Buffer.from(pem).toString("base64");
      await writeFile(
        join(dir, "kubeconfig"),
        [
          "apiVersion: v1",
          "kind: Config",
          `clusters: [{name: bosun, cluster: {server: "${url}", certificate-authority-data: ${b64(pki.ca.cert)}}}]`,
          `users: [{name: bosun, user: {client-certificate-data: ${b64(pki.admin.cert)}, client-key-data: ${b64(pki.admin.key)}}}]`,
          "contexts: [{name: bosun, context: {cluster: bosun, user: bosun}}]",
          "current-context: bosun",
          "",
        ].join("\n"),
      );
    });
    after(async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    });

    const kubectl = (...args: string[]) =>
      run(`/usr/lib/google-cloud-sdk/bin/kubectl.${version}`, ["--cache-dir", join(dir, "cache"), ...args], {
        env: { ...process.env, KUBECONFIG: join(dir, "kubeconfig") },
      });
    const file = async (name: string, content: string) => {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    };

    test("apply creates, then changes, a Pod, a Deployment, a Job and a CronJob with --validate=strict", async () => {
      const created = await kubectl("apply", "-f", await file("v1.yaml", manifests(suffix, false)));
      for (const obj of [`pod/pod-${suffix}`, `deployment.apps/deploy-${suffix}`, `job.batch/job-${suffix}`, `cronjob.batch/cron-${suffix}`]) {
        assert.match(created.stdout, new RegExp(`${obj} created`));
      }
      assert.equal(created.stderr, "", "no warnings for a valid manifest");
      const changed = await kubectl("apply", "-f", await file("v2.yaml", manifests(suffix, true)));
      for (const obj of [`pod/pod-${suffix}`, `deployment.apps/deploy-${suffix}`, `job.batch/job-${suffix}`, `cronjob.batch/cron-${suffix}`]) {
        assert.match(changed.stdout, new RegExp(`${obj} configured`));
      }
      const ns = "/namespaces/default";
      const deployment = await call<{ spec: { replicas: number } }>(url, "GET", `/apis/apps/v1${ns}/deployments/deploy-${suffix}`);
      assert.equal(deployment.body.spec.replicas, 3);
      const pod = await call<{ metadata: { labels: Record<string, string> } }>(url, "GET", `/api/v1${ns}/pods/pod-${suffix}`);
      assert.equal(pod.body.metadata.labels.tier, "back");
      const cron = await call<{ spec: { schedule: string } }>(url, "GET", `/apis/batch/v1${ns}/cronjobs/cron-${suffix}`);
      assert.equal(cron.body.spec.schedule, "*/5 * * * *");
    });

    test("an unknown field fails apply as Kubernetes fails it, and nothing is stored", async () => {
      const name = `typo-${suffix}`;
      await assert.rejects(kubectl("apply", "-f", await file("typo.yaml", typo(name))), (err: { stderr: string }) => {
        assert.match(
          err.stderr,
          /Error from server \(BadRequest\): error when creating ".*typo\.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.imagee"/,
        );
        return true;
      });
      assert.equal((await call(url, "GET", `/apis/apps/v1/namespaces/default/deployments/${name}`)).status, 404);
    });

    test("--validate=warn creates the object without the field and prints the server's warning", async () => {
      const name = `warned-${suffix}`;
      const res = await kubectl("apply", "--validate=warn", "-f", await file("warn.yaml", typo(name)));
      assert.match(res.stdout, new RegExp(`deployment.apps/${name} created`));
      assert.match(res.stderr, /Warning: unknown field "spec\.template\.spec\.containers\[0\]\.imagee"/);
      const got = await call<{ spec: { template: { spec: { containers: Record<string, unknown>[] } } } }>(
        url,
        "GET",
        `/apis/apps/v1/namespaces/default/deployments/${name}`,
      );
      assert.equal(got.body.spec.template.spec.containers[0].imagee, undefined);
    });

    test("warnings Kubernetes gives for field values reach the user", async () => {
      const pod = `apiVersion: v1
kind: Pod
metadata: {name: old-label-${suffix}}
spec:
  nodeSelector: {beta.kubernetes.io/os: linux}
  containers: [{name: main, image: ${image}}]
`;
      const res = await kubectl("apply", "-f", await file("old-label.yaml", pod));
      assert.match(res.stdout, new RegExp(`pod/old-label-${suffix} created`));
      assert.match(res.stderr, /Warning: spec\.nodeSelector\[beta\.kubernetes\.io\/os\]: deprecated since v1\.14; use "kubernetes\.io\/os" instead/);
    });

    test("explain prints the fields of nested types", async () => {
      const strategy = (await kubectl("explain", "deployment.spec.strategy")).stdout;
      assert.match(strategy, /KIND:\s+Deployment/);
      assert.match(strategy, /rollingUpdate\s+<RollingUpdateDeployment>/);
      assert.match(strategy, /type\s+<string>/);
      const probe = (await kubectl("explain", "pod.spec.containers.livenessProbe")).stdout;
      for (const field of ["exec", "httpGet", "tcpSocket", "initialDelaySeconds", "periodSeconds", "failureThreshold"]) {
        assert.match(probe, new RegExp(`^\\s+${field}\\s+<`, "m"), field);
      }
      const cron = (await kubectl("explain", "cronjob.spec.jobTemplate.spec.template.spec.containers.resources")).stdout;
      assert.match(cron, /limits\s+<map\[string\]Quantity>/);
      const antiAffinity = (await kubectl("explain", "pod.spec.affinity.podAntiAffinity")).stdout;
      assert.match(antiAffinity, /requiredDuringSchedulingIgnoredDuringExecution\s+<\[\]PodAffinityTerm>/);
      assert.match((await kubectl("explain", "deployment.spec.template.spec.topologySpreadConstraints")).stdout, /whenUnsatisfiable\s+<string>/);
      if (version === "1.27") {
        // The same through /openapi/v2 in protobuf, which kubectl 1.27 also reads for apply.
        const v2 = (await kubectl("explain", "pod.spec.containers.livenessProbe", "--output=plaintext-openapiv2")).stdout;
        assert.match(v2, /RESOURCE: livenessProbe <Object>/);
        assert.match(v2, /^\s+httpGet\s+<Object>/m);
      }
    });
  });
}
