// Interactive containers with the real kubectl 1.33 and 1.27 against a real master
// and agent: `run -i --rm` and `run -it --rm` (stdin, stdinOnce and tty on the
// container, attach to its main process, the pod removed after), `attach -i` to a
// running container (stdinOnce: closing stdin ends its input), `exec -it` on a
// terminal of kubectl's size, a tty container's log as its terminal's raw output,
// and `debug` adding an ephemeral container that sees its target's processes.
// kubectl needs a terminal for -t: `script` gives it one (a pseudo-terminal whose
// input is what the test pipes in). The interactive rows of docs/compatibility.md
// are checked at the end.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { BUSYBOX_IMAGE, e2eTest, getPod, podManifest, pods, shContainer, useCluster, waitForPod, waitForRunning, type Cluster } from "../src/index.js";
import { Compatibility } from "../src/compatibility.js";
import { exec, formatResult, type ExecResult } from "../src/exec.js";
import { KUBECTL_VERSIONS, useKubectls, type Kubectl } from "../src/kubectl.js";

/** Long enough for a pod to start and be attached to on a busy 2-core machine. */
const INTERACTIVE_TIMEOUT_MS = 150_000;

/** Single-quotes a word for sh. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs kubectl inside a pseudo-terminal (`script -qec`), so that -t gets a terminal;
 * `input` is typed into it. `stty` first sets the terminal's size, which kubectl
 * sends on to the container's terminal.
 */
function inTerminal(k: Kubectl, args: readonly string[], input: string, size = { rows: 40, cols: 100 }): Promise<ExecResult> {
  const command = `stty rows ${size.rows} cols ${size.cols}; exec ${[k.binary, ...args].map(quote).join(" ")}`;
  return exec("script", ["-qec", command, "/dev/null"], {
    input,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: k.home, KUBECONFIG: k.kubeconfig, TERM: "xterm" },
    timeoutMs: INTERACTIVE_TIMEOUT_MS,
  });
}

/**
 * Shell that prints the terminal's size once it is `expected`, or the last size seen:
 * the size arrives on the resize stream beside the process's start, so a command that
 * runs at once may see the terminal before it.
 */
function sizeLoop(expected: string): string {
  return `for i in $(seq 100); do s=$(stty size); [ "$s" = "${expected}" ] && break; sleep 0.1; done; echo "size: $s"`;
}

async function waitForPodGone(cl: Cluster, name: string): Promise<void> {
  await cl.waitFor(async () => (await getPod(cl, name)) === undefined, { timeoutMs: 90_000, what: `pod ${name} to be deleted (--rm)` });
}

describe("interactive containers: run -it, attach -i, exec -it, debug", () => {
  const c = useCluster({ agents: [{ name: "a" }] });
  const kubectl = useKubectls(c);
  const compat = new Compatibility("interactive");

  for (const v of KUBECTL_VERSIONS) {
    e2eTest(`kubectl ${v}: run -i --rm takes stdin until it closes, exits with the container's code and removes the pod; run -it gets a terminal`, c, async (cl) => {
      const k = await kubectl(v);
      await compat.kubectl("`run -it`, `run -i --rm`", v, async () => {
        const piped = `run-i-${k.suffix}`;
        // stdinOnce: the shell reads end of file when kubectl's stdin closes. $((6*7)) is
        // computed by the container's shell, so 42 in the output is its work, not an echo.
        const r = await k.run(["run", piped, "-i", "--rm", "--restart=Never", `--image=${BUSYBOX_IMAGE}`, "--image-pull-policy=Never", "--", "sh"], {
          input: "echo answer $((6*7))\nexit 3\n",
          timeoutMs: INTERACTIVE_TIMEOUT_MS,
        });
        assert.equal(r.code, 3, `${k.label} run -i exits with the container's code: ${formatResult("run -i", r)}`);
        assert.match(r.stdout, /^answer 42$/m, formatResult("run -i", r));
        await waitForPodGone(cl, piped);

        const tty = `run-it-${k.suffix}`;
        const t = await inTerminal(
          k,
          ["run", tty, "-it", "--rm", "--restart=Never", `--image=${BUSYBOX_IMAGE}`, "--image-pull-policy=Never", "--", "sh"],
          `test -t 0 && echo on a $((1+1))-way tty; ${sizeLoop("40 100")}; exit\n`,
        );
        assert.equal(t.code, 0, formatResult("run -it", t));
        assert.match(t.stdout, /on a 2-way tty/, formatResult("run -it", t));
        assert.match(t.stdout, /size: 40 100/, `the container's terminal has kubectl's size: ${formatResult("run -it", t)}`);
        await waitForPodGone(cl, tty);
      });
    });

    e2eTest(`kubectl ${v}: attach -i sends stdin to a running container's main process`, c, async (cl) => {
      const k = await kubectl(v);
      await compat.kubectl("`attach -i`", v, async () => {
        const name = `reader-${k.suffix}`;
        const script = 'echo ready; while read -r line; do echo "got: $line"; done; echo "stdin closed"';
        await cl.client.create(pods, podManifest(name, [shContainer("main", script, { stdin: true, stdinOnce: true })], { restartPolicy: "Never" }));
        await waitForRunning(cl, name);
        const r = await k.run(["attach", "-i", name, "-c", "main"], { input: "hello\nworld\n", timeoutMs: INTERACTIVE_TIMEOUT_MS });
        assert.equal(r.code, 0, formatResult("attach -i", r));
        assert.match(r.stdout, /got: hello\ngot: world\nstdin closed\n/, formatResult("attach -i", r));
        // stdinOnce: closing the attached stdin ended the container's input, so it ran to its end.
        const done = await waitForPod(cl, name, (p) => p.status?.phase === "Succeeded", "to succeed once its stdin closed");
        assert.equal(done.spec.containers[0]?.stdinOnce, true);
        const logs = await k.ok(["logs", name]);
        assert.match(logs, /got: hello/);
      });
    });

    e2eTest(`kubectl ${v}: exec -it runs the command on a terminal of kubectl's size`, c, async (cl) => {
      const k = await kubectl(v);
      await compat.kubectl("`exec -it`", v, async () => {
        const name = `shell-${k.suffix}`;
        const main = shContainer("main", "trap 'exit 0' TERM; echo started; echo on stderr >&2; while true; do sleep 1; done", { tty: true });
        await cl.client.create(pods, podManifest(name, [main], { terminationGracePeriodSeconds: 5 }));
        await waitForRunning(cl, name);
        // A tty container's log is its terminal's output, raw: both streams, with the terminal's line ends.
        const logs = await cl.waitFor(async () => {
          const out = await k.ok(["logs", name]);
          return out.includes("on stderr") ? out : undefined;
        }, { timeoutMs: 30_000, what: "the tty container's log" });
        assert.equal(logs, "started\r\non stderr\r\n");
        const probe = `${sizeLoop("33 77")}; tty; exit 4`;
        const r = await inTerminal(k, ["exec", "-it", name, "--", "sh", "-c", probe], "", { rows: 33, cols: 77 });
        assert.equal(r.code, 4, `exec -it exits with the command's code: ${formatResult("exec -it", r)}`);
        assert.match(r.stdout, /size: 33 77/, formatResult("exec -it", r));
        assert.match(r.stdout, /\/dev\/pts\/\d+/, formatResult("exec -it", r));
        // Typed input reaches the command through its terminal.
        const typed = await inTerminal(k, ["exec", "-it", name, "--", "sh"], "echo typed $((20+3)); exit\n");
        assert.equal(typed.code, 0, formatResult("exec -it sh", typed));
        assert.match(typed.stdout, /typed 23/, formatResult("exec -it sh", typed));
      });
    });

    e2eTest(`kubectl ${v}: debug adds an ephemeral container that attaches and sees its target's processes`, c, async (cl) => {
      const k = await kubectl(v);
      await compat.kubectl("`debug` (ephemeral container)", v, async () => {
        const name = `debugged-${k.suffix}`;
        await cl.client.create(pods, podManifest(name, [shContainer("app", "exec sleep 3601")], { terminationGracePeriodSeconds: 1 }));
        await waitForRunning(cl, name);
        const r = await inTerminal(
          k,
          ["debug", `pod/${name}`, "-it", `--image=${BUSYBOX_IMAGE}`, "--image-pull-policy=Never", "--target=app", "-c", "debugger", "--", "sh"],
          "ps; echo seen $((2*21)); exit\n",
        );
        assert.equal(r.code, 0, formatResult("debug -it", r));
        assert.match(r.stdout, /sleep 3601/, `the debugger sees the app's process: ${formatResult("debug -it", r)}`);
        assert.match(r.stdout, /seen 42/, formatResult("debug -it", r));
        const pod = await waitForPod(
          cl,
          name,
          (p) => p.status?.ephemeralContainerStatuses?.[0]?.state?.terminated !== undefined,
          "to report the debugger terminated",
        );
        assert.equal(pod.spec.ephemeralContainers?.[0]?.targetContainerName, "app");
        assert.equal(pod.status?.phase, "Running", "the app runs on after the debugger ended");
        assert.equal(pod.status?.ephemeralContainerStatuses?.[0]?.restartCount, 0);
      });
    });
  }

  compat.documentTest();
});
