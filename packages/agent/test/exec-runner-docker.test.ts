// The exec runner against the real Docker engine: a command that outlives its
// timeout is found through Docker's exec inspect and killed, with the child it
// started, instead of running on in the container.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import Docker from "dockerode";
import { DockerRuntime } from "../src/index.js";
import { ExecRunner } from "../src/exec/exec-runner.js";
import { ExecTimeoutError } from "../src/runtime/runtime.js";
import { BUSYBOX_IMAGE, ensureTestImages } from "./support/images.js";
import { waitFor } from "./support/fake-master.js";

const docker = new Docker();
const runtime = new DockerRuntime();
const runId = randomUUID().slice(0, 8);
const testLabel = { "bosun.io/test": runId };

describe("exec runner on Docker", { timeout: 60_000 }, () => {
  let container: Docker.Container;

  before(async () => {
    ensureTestImages();
    container = await docker.createContainer({ name: `bosun-exec-runner-test-${runId}`, Image: BUSYBOX_IMAGE, Cmd: ["sleep", "3600"], Labels: testLabel });
    await container.start();
  });

  after(async () => {
    const left = await docker.listContainers({ all: true, filters: { label: [`bosun.io/test=${runId}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  });

  /** The container's processes other than its main one, as `ps` inside it lists them. */
  async function sleepers(): Promise<string[]> {
    const res = await runtime.exec(container.id, ["ps", "-o", "args"], { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 });
    return res.output
      .toString()
      .split("\n")
      .filter((l) => /^sleep 30[01]/.test(l.trim()));
  }

  test("a timed-out exec and the child it started are killed; a quick one just answers", async () => {
    const execs = new ExecRunner({ runtime });
    const quick = await execs.run(container.id, ["echo", "hi"], { timeoutMs: 10_000, maxOutputBytes: 100 });
    assert.deepEqual([quick.exitCode, quick.output.toString()], [0, "hi\n"]);

    const err = await execs.run(container.id, ["sh", "-c", "sleep 300 & sleep 301"], { timeoutMs: 1_000, maxOutputBytes: 100 }).then(
      () => assert.fail("the command should have timed out"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ExecTimeoutError && err.execId, String(err));
    // The kill is done before run() answers; Docker records the exit a moment later.
    assert.deepEqual(await sleepers(), []);
    assert.equal(execs.stats().killed, 1);
    await waitFor("Docker to see the exec end", async () => (await runtime.inspectExec(err.execId ?? ""))?.running === false, 10_000);
  });
});
