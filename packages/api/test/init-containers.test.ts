// Init containers, native sidecars, lifecycle hooks and activeDeadlineSeconds in the
// API: schema, defaults, validation (create and update), the pod's requests, the
// objects it references, and the STATUS and READY columns kubectl prints.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyDefaults,
  mustResource,
  podColumns,
  podReferencedNames,
  podResourceRequests,
  validateObject,
  type ContainerStatus,
  type KubeObject,
  type Pod,
  type StatusCause,
} from "../src/index.js";

const pods = mustResource("pods");

function fields(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

function podWith(spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default" },
    spec: { containers: [{ name: "app", image: "x:1" }], ...spec },
  };
}

function check(pod: Record<string, unknown>, old?: Record<string, unknown>): string[] {
  applyDefaults(pods, pod as unknown as KubeObject);
  if (old) applyDefaults(pods, old as unknown as KubeObject);
  return fields(validateObject(pods, pod, old as unknown as KubeObject | undefined));
}

test("init containers, a sidecar with probes and hooks of each action are valid and defaulted", () => {
  const pod = podWith({
    initContainers: [
      { name: "setup", image: "x:1", command: ["sh", "-c", "true"] },
      {
        name: "proxy",
        image: "x:1",
        restartPolicy: "Always",
        startupProbe: { exec: { command: ["true"] } },
        lifecycle: { preStop: { sleep: { seconds: 5 } } },
      },
    ],
    containers: [
      {
        name: "app",
        image: "x:1",
        lifecycle: { postStart: { exec: { command: ["touch", "/x"] } }, preStop: { httpGet: { port: 8080 } } },
      },
    ],
    activeDeadlineSeconds: 600,
  });
  assert.deepEqual(check(pod), []);
  const spec = (pod as unknown as Pod).spec;
  assert.equal(spec.initContainers?.[0]?.imagePullPolicy, "IfNotPresent");
  assert.equal(spec.initContainers?.[0]?.terminationMessagePath, "/dev/termination-log");
  assert.equal(spec.initContainers?.[1]?.startupProbe?.periodSeconds, 10);
  assert.deepEqual(spec.containers[0]?.lifecycle?.preStop?.httpGet, { port: 8080, path: "/", scheme: "HTTP" });
});

test("plain init containers take no probes or hooks; restartPolicy is Always on init containers only", () => {
  const got = check(
    podWith({
      initContainers: [
        { name: "a", image: "x:1", readinessProbe: { exec: { command: ["true"] } }, lifecycle: { postStart: { exec: { command: ["true"] } } } },
        { name: "b", image: "x:1", restartPolicy: "Never" },
      ],
      containers: [{ name: "app", image: "x:1", restartPolicy: "Always" }],
    }),
  );
  assert.deepEqual(got, [
    "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers",
    "spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always",
    "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
    'spec.initContainers[1].restartPolicy: Unsupported value: "Never": supported values: "Always"',
  ]);
});

test("container names are unique across init and app containers", () => {
  const got = check(podWith({ initContainers: [{ name: "app", image: "x:1" }, { name: "i", image: "x:1" }, { name: "i", image: "x:1" }] }));
  assert.deepEqual(got, ['spec.initContainers[0].name: Duplicate value: "app"', 'spec.initContainers[2].name: Duplicate value: "i"']);
});

test("a hook has exactly one action; a sleep fits in the grace period; tcpSocket is refused by path", () => {
  const got = check(
    podWith({
      terminationGracePeriodSeconds: 10,
      containers: [
        {
          name: "app",
          image: "x:1",
          lifecycle: { postStart: {}, preStop: { sleep: { seconds: 20 }, exec: { command: ["true"] } } },
        },
      ],
    }),
  );
  assert.deepEqual(got, [
    "spec.containers[0].lifecycle.postStart: Required value: must specify a handler type",
    "spec.containers[0].lifecycle.preStop.sleep: Forbidden: may not specify more than 1 handler type",
    "spec.containers[0].lifecycle.preStop.sleep: Invalid value: 20: must be non-negative and less than terminationGracePeriodSeconds (10)",
  ]);
  const tcp = check(podWith({ containers: [{ name: "app", image: "x:1", lifecycle: { preStop: { tcpSocket: { port: 80 } } } }] }));
  assert.equal(tcp.length, 1);
  assert.match(tcp[0]!, /^spec\.containers\[0\]\.lifecycle\.preStop\.tcpSocket: /);
});

test("updates: activeDeadlineSeconds may be set or lowered, never raised or removed; init images may change", () => {
  const old = () => podWith({ initContainers: [{ name: "i", image: "x:1" }], activeDeadlineSeconds: 100 });
  const next = (spec: Record<string, unknown>) => podWith({ initContainers: [{ name: "i", image: "x:1" }], ...spec });
  assert.deepEqual(check(next({ activeDeadlineSeconds: 50 }), old()), []);
  assert.deepEqual(check(next({ activeDeadlineSeconds: 200 }), old()), [
    "spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value",
  ]);
  assert.deepEqual(check(next({}), old()), ["spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value"]);
  const unset = podWith({ initContainers: [{ name: "i", image: "x:1" }] });
  assert.deepEqual(check(next({ activeDeadlineSeconds: 30 }), unset), []);
  assert.deepEqual(check(podWith({ initContainers: [{ name: "i", image: "x:2" }], activeDeadlineSeconds: 100 }), old()), []);
  const changed = check(podWith({ initContainers: [{ name: "i", image: "x:1", command: ["sh"] }], activeDeadlineSeconds: 100 }), old());
  assert.equal(changed.length, 1);
  assert.match(changed[0]!, /spec\.initContainers\[0\]\.command/);
});

test("a pod's requests: app containers and sidecars together, or the largest init container beside the sidecars before it", () => {
  const res = (cpu: string, memory: string) => ({ requests: { cpu, memory } });
  const pod = podWith({
    initContainers: [
      { name: "big", image: "x", resources: res("2", "100Mi") },
      { name: "side", image: "x", restartPolicy: "Always", resources: res("100m", "50Mi") },
      { name: "late", image: "x", resources: res("500m", "1Gi") },
    ],
    containers: [{ name: "app", image: "x", resources: res("1", "10Mi") }],
  }) as unknown as Pod;
  assert.deepEqual(podResourceRequests(pod), { cpuMillis: 2000, memoryBytes: 1024 * 1024 * 1024 + 50 * 1024 * 1024, ephemeralStorageBytes: 0 });
});

test("the objects a pod references include its init containers' environment", () => {
  const pod = podWith({
    initContainers: [{ name: "i", image: "x", envFrom: [{ secretRef: { name: "init-secret" } }], env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "init-cm", key: "k" } } }] }],
  }) as unknown as Pod;
  assert.deepEqual([...podReferencedNames(pod, "Secret")], ["init-secret"]);
  assert.deepEqual([...podReferencedNames(pod, "ConfigMap")], ["init-cm"]);
});

// ---- the STATUS and READY columns, as kubectl's printPod ----

const now = Date.parse("2024-05-01T12:00:00Z");

function printed(initStatuses: ContainerStatus[], statuses: ContainerStatus[], extra: Partial<NonNullable<Pod["status"]>> = {}, sidecar = false) {
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", creationTimestamp: "2024-05-01T11:00:00Z" },
    spec: {
      initContainers: [
        { name: "i0", image: "x" },
        { name: "i1", image: "x", ...(sidecar ? { restartPolicy: "Always" } : {}) },
      ],
      containers: [{ name: "app", image: "x" }],
    },
    status: { phase: "Pending", initContainerStatuses: initStatuses, containerStatuses: statuses, ...extra },
  };
  return podColumns(pod, now);
}

const st = (name: string, state: ContainerStatus["state"], extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  image: "x",
  ready: false,
  restartCount: 0,
  state,
  ...extra,
});
const waiting = (reason: string) => ({ waiting: { reason } });
const done = { terminated: { exitCode: 0, reason: "Completed" } };

test("STATUS: Init:0/2 and Init:1/2 while init containers run, PodInitializing once they are done", () => {
  const app = st("app", waiting("PodInitializing"));
  assert.equal(printed([st("i0", { running: {} }), st("i1", waiting("PodInitializing"))], [app]).status, "Init:0/2");
  assert.equal(printed([st("i0", done), st("i1", { running: {} })], [app]).status, "Init:1/2");
  const initialized = { conditions: [{ type: "Initialized", status: "True" as const }] };
  assert.deepEqual(printed([st("i0", done), st("i1", done)], [app], initialized), { ready: "0/1", status: "PodInitializing", restarts: "0" });
});

test("STATUS: Init:CrashLoopBackOff with the init container's restarts, Init:Error when it failed for good", () => {
  const crashing = st("i0", waiting("CrashLoopBackOff"), {
    restartCount: 3,
    lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: "2024-05-01T11:59:30Z" } },
  });
  assert.deepEqual(printed([crashing, st("i1", waiting("PodInitializing"))], [st("app", waiting("PodInitializing"))]), {
    ready: "0/1",
    status: "Init:CrashLoopBackOff",
    restarts: "3 (30s ago)",
  });
  const failed = st("i0", { terminated: { exitCode: 2, reason: "Error" } });
  assert.equal(printed([failed, st("i1", waiting("PodInitializing"))], [st("app", waiting("PodInitializing"))], { phase: "Failed" }).status, "Init:Error");
  const noReason = st("i0", { terminated: { exitCode: 2 } });
  assert.equal(printed([noReason, st("i1", waiting("PodInitializing"))], []).status, "Init:ExitCode:2");
});

test("READY counts a started sidecar among the pod's containers", () => {
  const sidecar = st("i1", { running: {} }, { started: true, ready: true, restartCount: 1 });
  const cols = printed([st("i0", done), sidecar], [st("app", { running: {} }, { ready: true })], {
    phase: "Running",
    conditions: [{ type: "Initialized", status: "True" }, { type: "Ready", status: "True" }],
  }, true);
  assert.deepEqual(cols, { ready: "2/2", status: "Running", restarts: "1" });
  const starting = printed([st("i0", done), st("i1", { running: {} }, { started: false })], [st("app", waiting("PodInitializing"))], {}, true);
  assert.deepEqual(starting, { ready: "0/2", status: "Init:1/2", restarts: "0" });
});
