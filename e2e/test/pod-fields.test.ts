// The remaining pod fields on a real master and agent (issue 11, "Every other
// field"): a container sees the Services of its namespace as the kubelet's
// variables, and the kubernetes Service's even with enableServiceLinks false;
// hostAliases are in /etc/hosts in the kubelet's format; with setHostnameAsFQDN the
// hostname is the FQDN (and one too long keeps the sandbox back with the kubelet's
// message); FallbackToLogsOnError puts the end of a failed container's logs in its
// status, a message written to terminationMessagePath wins; ephemeral-storage
// requests are scheduled against the node's disk and a pod over its limit evicted.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { mustResource, type Event, type Pod, type Service } from "@bosun/api";
import { e2eTest, expectSuccess, podManifest, pods, shContainer, useCluster, waitForPod, waitForRunning, type Cluster } from "../src/index.js";

const services = mustResource("services");
const events = mustResource("events");

/** A container's idle loop that leaves at once on SIGTERM (sh as PID 1 ignores an untrapped one). */
const idle = "trap 'exit 0' TERM; while true; do sleep 1; done";

/** `kubectl exec POD -c C -- sh -c SCRIPT`: its output, which must succeed. */
async function shIn(cl: Cluster, pod: string, container: string, script: string): Promise<string> {
  return expectSuccess(`kubectl exec ${pod} -- ${script}`, await cl.kubectl(["exec", pod, "-c", container, "--", "sh", "-c", script])).stdout;
}

/** The container's environment, from `env` inside it. */
async function envOf(cl: Cluster, pod: string): Promise<Map<string, string>> {
  const out = await shIn(cl, pod, "app", "env");
  return new Map(out.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const));
}

describe("pod fields", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  e2eTest("a container sees its namespace's Services and always the kubernetes Service as variables; its own env wins", c, async (cl) => {
    const backend = await cl.client.create<Service>(services, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "pf-backend", namespace: "default" },
      spec: { selector: { app: "pf-backend" }, ports: [{ name: "http", port: 8080 }, { name: "metrics", port: 9100, protocol: "UDP" }] },
    });
    const ip = backend.spec?.clusterIP ?? "";
    const api = await cl.client.get<Service>(services, "kubernetes", "default");
    // As Kubernetes advises for a Service made just before its client: the container
    // leaves until the agent has seen the Service and is made again with its variables.
    const waitForLinks = `[ -n "$PF_BACKEND_SERVICE_HOST" ] || exit 1; ${idle}`;
    await cl.client.create<Pod>(
      pods,
      podManifest("links", [shContainer("app", waitForLinks, { env: [{ name: "PF_BACKEND_SERVICE_PORT_HTTP", value: "own" }, { name: "BACKEND_URL", value: "http://$(PF_BACKEND_SERVICE_HOST):$(PF_BACKEND_SERVICE_PORT)" }] })], {
        terminationGracePeriodSeconds: 1,
      }),
    );
    await waitForRunning(cl, "links", 120_000);
    const env = await envOf(cl, "links");
    const expected: [string, string][] = [
      ["PF_BACKEND_SERVICE_HOST", ip],
      ["PF_BACKEND_SERVICE_PORT", "8080"],
      ["PF_BACKEND_SERVICE_PORT_HTTP", "own"],
      ["PF_BACKEND_SERVICE_PORT_METRICS", "9100"],
      ["PF_BACKEND_PORT", `tcp://${ip}:8080`],
      ["PF_BACKEND_PORT_8080_TCP", `tcp://${ip}:8080`],
      ["PF_BACKEND_PORT_8080_TCP_PROTO", "tcp"],
      ["PF_BACKEND_PORT_8080_TCP_PORT", "8080"],
      ["PF_BACKEND_PORT_8080_TCP_ADDR", ip],
      ["PF_BACKEND_PORT_9100_UDP", `udp://${ip}:9100`],
      ["PF_BACKEND_PORT_9100_UDP_PROTO", "udp"],
      ["PF_BACKEND_PORT_9100_UDP_PORT", "9100"],
      ["PF_BACKEND_PORT_9100_UDP_ADDR", ip],
      ["BACKEND_URL", `http://${ip}:8080`],
      ["KUBERNETES_SERVICE_HOST", api.spec?.clusterIP ?? ""],
      ["KUBERNETES_SERVICE_PORT", "443"],
      ["KUBERNETES_SERVICE_PORT_HTTPS", "443"],
      ["KUBERNETES_PORT", `tcp://${api.spec?.clusterIP ?? ""}:443`],
    ];
    for (const [name, value] of expected) assert.equal(env.get(name), value, name);

    // enableServiceLinks false: only the API's Service, which in-cluster clients need.
    const made = await cl.client.create<Pod>(pods, podManifest("no-links", [shContainer("app", idle)], { enableServiceLinks: false, terminationGracePeriodSeconds: 1 }));
    assert.equal(made.spec.enableServiceLinks, false);
    await waitForRunning(cl, "no-links");
    const plain = await envOf(cl, "no-links");
    assert.equal(plain.get("KUBERNETES_SERVICE_HOST"), api.spec?.clusterIP);
    assert.deepEqual([...plain.keys()].filter((k) => k.startsWith("PF_BACKEND_")), []);
    const defaulted = await cl.client.get<Pod>(pods, "links", "default");
    assert.equal(defaulted.spec.enableServiceLinks, true, "defaulted as Kubernetes does");
  });

  e2eTest("hostAliases are in /etc/hosts as the kubelet writes them, and setHostnameAsFQDN makes the hostname the FQDN", c, async (cl) => {
    await cl.client.create<Pod>(
      pods,
      podManifest("fqdn", [shContainer("app", idle), shContainer("other", idle)], {
        hostname: "fqdn-host",
        subdomain: "pf-sub",
        setHostnameAsFQDN: true,
        hostAliases: [
          { ip: "10.1.2.3", hostnames: ["foo.remote", "bar.remote"] },
          { ip: "127.0.0.1", hostnames: ["foo.local"] },
        ],
        terminationGracePeriodSeconds: 1,
      }),
    );
    const pod = await waitForRunning(cl, "fqdn");
    const fqdn = "fqdn-host.pf-sub.default.svc.cluster.local";
    const hosts = await shIn(cl, "fqdn", "app", "cat /etc/hosts");
    assert.ok(hosts.startsWith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"), hosts);
    assert.ok(hosts.includes(`\n${pod.status?.podIP}\t${fqdn}\tfqdn-host\n`), hosts);
    assert.ok(hosts.endsWith("\n# Entries added by HostAliases.\n10.1.2.3\tfoo.remote\tbar.remote\n127.0.0.1\tfoo.local\n"), hosts);
    // Every container of the pod has the same file.
    assert.equal(await shIn(cl, "fqdn", "other", "cat /etc/hosts"), hosts);
    assert.equal(await shIn(cl, "fqdn", "app", "hostname"), `${fqdn}\n`);
    assert.equal(await shIn(cl, "fqdn", "app", "hostname -f"), `${fqdn}\n`);

    // An FQDN longer than the kernel's 64 characters: no sandbox, the kubelet's message.
    const long = "h".repeat(40);
    const longFqdn = `${long}.pf-sub.default.svc.cluster.local`;
    await cl.client.create<Pod>(pods, podManifest("fqdn-long", [shContainer("app", idle)], { hostname: long, subdomain: "pf-sub", setHostnameAsFQDN: true, terminationGracePeriodSeconds: 1 }));
    const told = await cl.waitFor(
      async () => (await cl.client.list<Event>(events, { namespace: "default", fieldSelector: "involvedObject.name=fqdn-long" })).items.find((e) => e.reason === "FailedCreatePodSandBox"),
      { timeoutMs: 60_000, what: "a FailedCreatePodSandBox event for fqdn-long" },
    );
    assert.equal(
      told.message,
      `Failed to create pod sandbox: failed to construct FQDN from pod hostname and cluster domain, FQDN ${longFqdn} is too long (64 characters is the max, ${longFqdn.length} characters requested)`,
    );
    const waiting = await cl.client.get<Pod>(pods, "fqdn-long", "default");
    assert.equal(waiting.status?.containerStatuses?.[0]?.state?.running, undefined);
  });

  e2eTest("FallbackToLogsOnError puts a failed container's last log lines in its status; a written termination message wins", c, async (cl) => {
    await cl.client.create<Pod>(
      pods,
      podManifest(
        "messages",
        [
          shContainer("fails", "echo first; sleep 1; echo second >&2; exit 3", { terminationMessagePolicy: "FallbackToLogsOnError" }),
          shContainer("writes", "echo logged; printf 'written by me' > /dev/termination-log; exit 4", { terminationMessagePolicy: "FallbackToLogsOnError" }),
          shContainer("succeeds", "echo fine", { terminationMessagePolicy: "FallbackToLogsOnError" }),
          shContainer("custom", "printf done > /tmp/my-message", { terminationMessagePath: "/tmp/my-message" }),
        ],
        { restartPolicy: "Never" },
      ),
    );
    const done = await waitForPod(cl, "messages", (p) => p.status?.phase === "Failed", "to fail");
    const terminated = (name: string) => done.status?.containerStatuses?.find((s) => s.name === name)?.state?.terminated;
    assert.equal(terminated("fails")?.exitCode, 3);
    assert.equal(terminated("fails")?.message, "first\nsecond\n");
    assert.equal(terminated("writes")?.message, "written by me");
    assert.equal(terminated("succeeds")?.exitCode, 0);
    assert.equal(terminated("succeeds")?.message, undefined);
    assert.equal(terminated("custom")?.message, "done");
  });

  e2eTest("ephemeral-storage requests are counted against the node's disk by the scheduler", c, async (cl) => {
    const node = (await cl.client.list<{ apiVersion: string; kind: string; metadata: { name?: string }; status?: { allocatable?: Record<string, string> } }>(mustResource("nodes"))).items[0];
    assert.match(node?.status?.allocatable?.["ephemeral-storage"] ?? "", /^\d+Ki$/, "the agent reports its data directory's filesystem");
    const storage = (request: string) => ({ resources: { requests: { "ephemeral-storage": request }, limits: { "ephemeral-storage": request } } });
    await cl.client.create<Pod>(pods, podManifest("small-disk", [shContainer("app", idle, storage("10Mi"))], { terminationGracePeriodSeconds: 1 }));
    await waitForRunning(cl, "small-disk");
    await cl.client.create<Pod>(pods, podManifest("huge-disk", [shContainer("app", idle, storage("1Ei"))], { terminationGracePeriodSeconds: 1 }));
    const pending = await waitForPod(cl, "huge-disk", (p) => p.status?.conditions?.some((x) => x.type === "PodScheduled" && x.status === "False") === true, "to be unschedulable");
    const message = pending.status?.conditions?.find((x) => x.type === "PodScheduled")?.message ?? "";
    assert.match(message, /^0\/1 nodes are available: 1 Insufficient ephemeral-storage\./, message);
  });

  e2eTest("a pod that writes more than its containers' ephemeral-storage limit is evicted with the kubelet's message", c, async (cl) => {
    const limit = { resources: { requests: { "ephemeral-storage": "1Mi" }, limits: { "ephemeral-storage": "1Mi" } } };
    // 4 MiB into the container's writable layer, then idle until the agent's next measure.
    await cl.client.create<Pod>(pods, podManifest("disk-hog", [shContainer("app", `dd if=/dev/zero of=/tmp/fill bs=1M count=4 && ${idle}`, limit)], { terminationGracePeriodSeconds: 1 }));
    const evicted = await waitForPod(cl, "disk-hog", (p) => p.status?.phase === "Failed", "to be evicted", 120_000);
    assert.equal(evicted.status?.reason, "Evicted");
    assert.equal(evicted.status?.message, "Pod ephemeral local storage usage exceeds the total limit of containers 1Mi. ");
  });
});
