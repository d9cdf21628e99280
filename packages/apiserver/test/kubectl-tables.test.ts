import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, kubectlCommand, runKubectl, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

const versions = ["1.33", "1.27"];
const ns = "/namespaces/default";
const pods = `/api/v1${ns}/pods`;

const podBody = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] } });

describe("real kubectl prints the server's Tables and reads aggregated discovery", () => {
  let server: TestApiServer;
  let url: string;
  let dir: string;
  before(async () => {
    server = await startTestApiServer();
    url = server.url;
    dir = await mkdtemp(join(tmpdir(), "bosun-kubectl-tables-"));
    assert.equal((await call(url, "POST", pods, podBody("crashy"))).status, 201);
    const pod = (await call<Record<string, unknown>>(url, "GET", `${pods}/crashy`)).body;
    const crashing = {
      ...pod,
      status: {
        phase: "Running",
        podIP: "172.17.0.9",
        containerStatuses: [
          {
            name: "main",
            image: "bosun.local/busybox:1",
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: "CrashLoopBackOff" } },
            lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: new Date(Date.now() - 90_000).toISOString().replace(/\.\d+Z$/, "Z") } },
          },
        ],
      },
    };
    assert.equal((await call(url, "PUT", `${pods}/crashy/status`, crashing)).status, 200);
    const deployments = `/apis/apps/v1${ns}/deployments`;
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: podBody("x").spec } },
    };
    assert.equal((await call(url, "POST", deployments, deployment)).status, 201);
    const created = (await call<Record<string, unknown>>(url, "GET", `${deployments}/web`)).body;
    const status = { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
    assert.equal((await call(url, "PUT", `${deployments}/web/status`, { ...created, status })).status, 200);
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const version of versions) {
    const target = () => ({ server: url, dir, version, cache: `cache-${version}` });
    const kubectl = (...args: string[]) => runKubectl(target(), ...args);

    test(`kubectl ${version} get pods -o wide: READY, STATUS and the wide columns come from the server's Table`, async () => {
      const { stdout } = await kubectl("get", "pods", "-o", "wide");
      const [header, ...rows] = stdout.trimEnd().split("\n");
      assert.match(header!, /^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$/);
      assert.match(rows.find((r) => r.startsWith("crashy"))!, /^crashy +0\/1 +CrashLoopBackOff +4 \(\d+s ago\) +\d+s +172\.17\.0\.9 +<none> +<none> +<none>$/);
      const narrow = (await kubectl("get", "pods")).stdout;
      assert.match(narrow, /^NAME +READY +STATUS +RESTARTS +AGE\n/, "wide columns only with -o wide");
    });

    test(`kubectl ${version} get deploy: READY and UP-TO-DATE come from the server's Table`, async () => {
      const { stdout } = await kubectl("get", "deploy");
      assert.match(stdout, /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\nweb +2\/3 +3 +2 +\d+s\n$/);
      const wide = (await kubectl("get", "deploy", "web", "-o", "wide")).stdout;
      assert.match(wide, /CONTAINERS +IMAGES +SELECTOR\nweb .* main +bosun\.local\/busybox:1 +app=web\n$/);
    });

    test(`kubectl ${version} api-resources reads /api and /apis in the aggregated format only`, async () => {
      // A fresh cache, so discovery really happens in this run.
      const { stdout, stderr } = await runKubectl({ ...target(), cache: `discovery-${version}` }, "api-resources", "-v=6");
      assert.match(stdout, /^pods +po +v1 +true +Pod$/m);
      assert.match(stdout, /^deployments +deploy +apps\/v1 +true +Deployment$/m);
      assert.match(stdout, /^nodes +no +v1 +false +Node$/m);
      assert.doesNotMatch(stdout, /scale|pods\/log/, "subresources are not resources");
      assert.match(stderr, /\/apis\?timeout=/);
      assert.doesNotMatch(stderr, /\/apis\/apps\/v1\b|\/api\/v1\?/, "no per-group-version requests: the aggregated document had it all");
    });

    test(`kubectl ${version} get pods -w prints rows from Table watch events`, async () => {
      const cmd = kubectlCommand(target(), ["get", "pods", "-w", "--request-timeout=0"]);
      const watcher = spawn(cmd.file, cmd.args, { env: cmd.env });
      let out = "";
      watcher.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const name = `watched-${version.replace(".", "-")}`;
      try {
        const waitFor = async (re: RegExp) => {
          const deadline = Date.now() + 10_000;
          while (!re.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
          assert.match(out, re);
        };
        await waitFor(/crashy +0\/1 +CrashLoopBackOff/);
        assert.equal((await call(url, "POST", pods, podBody(name))).status, 201);
        await waitFor(new RegExp(`\\n${name} +0/1 +Pending +0 +\\d+s\\n`));
        assert.equal(out.match(/^NAME +READY/gm)?.length, 1, "one header: later events carry no columns");
      } finally {
        watcher.kill();
        await call(url, "DELETE", `${pods}/${name}`);
      }
    });
  }
});
