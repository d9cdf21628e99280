// Bad input gets a clear error naming the problem, a non-zero exit, and nothing is
// written (principle 5 in docs/architecture.md).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import type { Pod } from "@bosun/api";
import {
  BUSYBOX_IMAGE,
  e2eTest,
  expectSuccess,
  formatResult,
  parseTable,
  pods,
  startCluster,
  type Cluster,
} from "../src/index.js";

interface BadCase {
  title: string;
  podName: string;
  manifest: string;
  /** Every pattern must appear in the CLI's output (stdout and stderr together). */
  mentions: RegExp[];
  /** The CLI finds this problem itself, so it can say which file and line. */
  namesFile?: boolean;
}

function podYaml(name: string, specLines: string[]): string {
  return ["apiVersion: v1", "kind: Pod", "metadata:", `  name: ${name}`, "spec:", ...specLines, ""].join("\n");
}

const container = ["  containers:", "    - name: app", `      image: ${BUSYBOX_IMAGE}`, '      command: ["sleep", "3600"]'];

const cases: BadCase[] = [
  {
    title: "a YAML syntax error",
    podName: "syntax",
    manifest: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: syntax\n  labels: {app: [unclosed\nspec:\n  containers: []\n",
    mentions: [/yaml|syntax|parse/i, /line \d+/],
    namesFile: true,
  },
  {
    title: "an unknown field",
    podName: "typo",
    manifest: podYaml("typo", ["  containers:", "    - name: app", `      imagee: ${BUSYBOX_IMAGE}`, '      command: ["sleep", "3600"]']),
    mentions: [/spec\.containers\[0\]\.imagee/],
  },
  {
    title: "an invalid name",
    podName: "Bad_Name",
    manifest: podYaml("Bad_Name", container),
    mentions: [/metadata\.name/, /Bad_Name/],
  },
  {
    title: "a string where containers must be a list",
    podName: "not-a-list",
    manifest: podYaml("not-a-list", ['  containers: "x"']),
    mentions: [/spec\.containers/],
  },
  {
    title: "a string where an integer belongs",
    podName: "not-a-number",
    manifest: podYaml("not-a-number", ['  terminationGracePeriodSeconds: "abc"', ...container]),
    mentions: [/spec\.terminationGracePeriodSeconds/],
  },
];

describe("bad manifests through bosun apply", () => {
  let cluster: Cluster;
  let dir: string;
  const c = (): Cluster => cluster;
  before(async () => {
    cluster = await startCluster({ agents: [{ name: "a" }] });
    dir = mkdtempSync(join(tmpdir(), "bosun-e2e-manifests-"));
  });
  after(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await cluster?.stop();
  });

  async function storedPodNames(cl: Cluster): Promise<string[]> {
    const list = await cl.client.list<Pod>(pods, { namespace: "default" });
    return list.items.map((p) => p.metadata.name ?? "");
  }

  for (const bad of cases) {
    e2eTest(`${bad.title} is refused with a clear message and nothing is stored`, c, async (cl) => {
      const file = join(dir, `${bad.podName}.yaml`);
      writeFileSync(file, bad.manifest);
      const r = await cl.bosun(["apply", "-f", file]);
      const report = formatResult(`bosun apply -f ${file}`, r);
      assert.notEqual(r.code, 0, report);
      const output = `${r.stdout}\n${r.stderr}`;
      for (const pattern of bad.mentions) assert.match(output, pattern, report);
      if (bad.namesFile) assert.ok(output.includes(file), `the message names ${file}:\n${report}`);
      assert.doesNotMatch(output, /^\s+at .+:\d+:\d+\)?$/m, `a message, not a stack trace:\n${report}`);

      assert.deepEqual(await storedPodNames(cl), [], "the API stores no pod");
      const got = expectSuccess("bosun get pods", await cl.bosun(["get", "pods"]));
      assert.equal(parseTable(got.stdout).length, 0, `bosun get pods lists nothing:\n${got.stdout}`);
    });
  }

  e2eTest("a correct manifest in the same place is accepted (control)", c, async (cl) => {
    const file = join(dir, "good.yaml");
    writeFileSync(file, podYaml("good", container));
    const r = expectSuccess(`bosun apply -f ${file}`, await cl.bosun(["apply", "-f", file]));
    assert.match(r.stdout, /pod\/good created/);
    assert.deepEqual(await storedPodNames(cl), ["good"]);
  });
});
