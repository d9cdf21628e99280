// The real kubectl 1.33 and 1.27 against a real master and agent: exec (output,
// stdin, the command's exit code, a tty's size), attach, port-forward and logs with
// its parameters. kubectl 1.33 speaks WebSocket (v5.channel.k8s.io, and SPDY
// tunneled in a WebSocket for port-forward); kubectl 1.27 speaks SPDY/3.1. The
// kubectl-exec rows of docs/compatibility.md are checked at the end.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { freePort } from "../src/ports.js";
import {
  e2eTest,
  getPod,
  podManifest,
  pods,
  restartCount,
  shContainer,
  useCluster,
  waitForPod,
  waitForRunning,
  type Cluster,
} from "../src/index.js";
import { Compatibility, runAll } from "../src/compatibility.js";
import { KUBECTL_VERSIONS, useKubectls } from "../src/kubectl.js";

/** Pods every scenario uses, created once for the suite. */
function useFixtures(cluster: () => Cluster): () => Promise<void> {
  let made: Promise<void> | undefined;
  return () => {
    made ??= (async () => {
      const cl = cluster();
      const trap = "trap 'exit 0' TERM;";
      await cl.client.create(pods, podManifest("shell", [shContainer("main", `${trap} while true; do sleep 1; done`)], { terminationGracePeriodSeconds: 5 }));
      await cl.client.create(
        pods,
        podManifest("ticker", [shContainer("main", `${trap} i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.3; done`)], { terminationGracePeriodSeconds: 5 }),
      );
      await cl.client.create(
        pods,
        podManifest("web", [shContainer("main", "mkdir -p /www && echo served-by-web > /www/index.html && exec httpd -f -p 8080 -h /www")], {
          terminationGracePeriodSeconds: 5,
        }),
      );
      await cl.client.create(pods, podManifest("crashy", [shContainer("main", "echo run started; sleep 2; echo run ended; exit 1")]));
      for (const name of ["shell", "ticker", "web"]) await waitForRunning(cl, name);
    })();
    return made;
  };
}

describe("kubectl exec, attach, port-forward and logs", () => {
  const c = useCluster({ agents: [{ name: "a" }] });
  const kubectl = useKubectls(c);
  const ready = useFixtures(c);
  const compat = new Compatibility("kubectl-exec");

  for (const v of KUBECTL_VERSIONS) {
    e2eTest(`kubectl ${v}: exec returns output, takes stdin and exits with the command's code; attach follows the main process`, c, async () => {
      const k = await kubectl(v);
      await ready();
      await compat.kubectl("`exec`", v, async () => {
        const out = await k.run(["exec", "shell", "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2"]);
        assert.equal(out.code, 0, `${k.label} exec: ${out.stderr}`);
        assert.equal(out.stdout, "to-stdout\n");
        assert.match(out.stderr, /to-stderr/);
        // kubectl 1.30 and later fall back to SPDY, silently, when the WebSocket upgrade fails.
        const verbose = await k.run(["exec", "-v=4", "shell", "--", "true"]);
        assert.equal(verbose.code, 0, verbose.stderr);
        assert.doesNotMatch(verbose.stderr, /fallback/i, `${k.label} exec stays on its first protocol`);

        const failed = await k.run(["exec", "shell", "--", "sh", "-c", "exit 3"]);
        assert.equal(failed.code, 3, `${k.label} exec exits with the command's code: ${failed.stderr}`);
        assert.match(failed.stderr, /command terminated with exit code 3/);

        const piped = await k.run(["exec", "-i", "shell", "--", "sh", "-c", "tr a-z A-Z; echo done"], { input: "hello from stdin\nsecond line\n" });
        assert.equal(piped.code, 0, piped.stderr);
        assert.equal(piped.stdout, "HELLO FROM STDIN\nSECOND LINE\ndone\n");

        // Output larger than any buffer on the way arrives whole.
        const big = await k.run(["exec", "shell", "--", "sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x"]);
        assert.equal(big.code, 0, big.stderr);
        assert.equal(big.stdout.length, 3_000_000);

        const noContainer = await k.run(["exec", "shell", "-c", "nope", "--", "true"]);
        assert.equal(noContainer.code, 1);
        assert.match(noContainer.stderr, /container nope is not valid for pod shell/);
        const noCommand = await k.run(["exec", "shell", "--", "no-such-command"]);
        assert.notEqual(noCommand.code, 0);
        assert.match(noCommand.stdout + noCommand.stderr, /no-such-command.*not found/);

        const attached = k.stream(["attach", "ticker", "-c", "main"]);
        await attached.waitForOutput((s) => /tick \d+\n.*tick \d+\n/s.test(s), "two ticks of the attached process", 30_000);
        await attached.stop();
      });
    });

    e2eTest(`kubectl ${v}: port-forward reaches a port of the pod`, c, async () => {
      const k = await kubectl(v);
      await ready();
      await compat.kubectl("`port-forward`", v, async () => {
        const local = await freePort();
        const pf = k.stream(["port-forward", "-v=4", "pod/web", `${local}:8080`]);
        try {
          await pf.waitForOutput((s) => s.includes(`Forwarding from 127.0.0.1:${local} -> 8080`), "that it forwards", 30_000);
          // Several connections over the one forwarding session.
          for (let i = 0; i < 3; i++) {
            const res = await fetch(`http://127.0.0.1:${local}/index.html`);
            assert.equal(res.status, 200);
            assert.equal(await res.text(), "served-by-web\n");
          }
        } finally {
          const r = await pf.stop();
          // kubectl 1.31 and later tunnel SPDY through a WebSocket, and fall back to plain SPDY silently.
          assert.doesNotMatch(r.stderr, /fallback/i, `${k.label} port-forward stays on its first protocol`);
        }
      });
    });

    e2eTest(`kubectl ${v}: logs with tail, timestamps, since, limit-bytes and previous; logs -f follows`, c, async (cl) => {
      const k = await kubectl(v);
      await ready();
      await runAll([
        () =>
          compat.kubectl("`logs`", v, async () => {
            const tail = (await k.ok(["logs", "ticker", "--tail=2"])).split("\n").filter(Boolean);
            assert.equal(tail.length, 2, tail.join("\n"));
            assert.match(tail[1]!, /^tick \d+$/);
            const stamped = (await k.ok(["logs", "ticker", "--tail=1", "--timestamps"])).trim();
            assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z tick \d+$/);
            assert.equal(await k.ok(["logs", "ticker", "--limit-bytes=13"]), "tick 1\ntick 2");
            // A few seconds back holds recent ticks but not the first one, once the
            // ticker has run well past those few seconds (Docker counts in seconds).
            await cl.waitFor(
              async () => {
                const last = /tick (\d+)/.exec(await k.ok(["logs", "ticker", "--tail=1"]));
                return last !== null && Number(last[1]) >= 30;
              },
              { timeoutMs: 60_000, what: "the ticker to tick 30 times" },
            );
            const recent = await k.ok(["logs", "ticker", "--since=3s"]);
            assert.match(recent, /tick \d+/);
            assert.doesNotMatch(recent, /^tick 1$/m);
            const since = new Date(Date.now() - 3000).toISOString().replace(/\.\d+Z$/, "Z");
            const fromTime = await k.ok(["logs", "ticker", `--since-time=${since}`]);
            assert.match(fromTime, /tick \d+/);
            assert.doesNotMatch(fromTime, /^tick 1$/m);

            const crashy = await waitForPod(cl, "crashy", (p) => restartCount(p, "main") >= 1, "to have restarted", 90_000);
            assert.ok(crashy);
            const previous = await k.ok(["logs", "crashy", "--previous"]);
            assert.equal(previous, "run started\nrun ended\n");
            const noPrevious = await k.run(["logs", "shell", "--previous"]);
            assert.notEqual(noPrevious.code, 0);
            assert.match(noPrevious.stderr, /previous terminated container "main" in pod default\/shell not found/);
            assert.ok(await getPod(cl, "shell"));
          }),
        () =>
          compat.kubectl("`logs -f`", v, async () => {
            const follow = k.stream(["logs", "-f", "ticker", "--tail=1"]);
            try {
              const first = await follow.waitForOutput((s) => /tick (\d+)\n/.test(s), "a tick", 30_000);
              const n = Number(/tick (\d+)\n/.exec(first)![1]);
              await follow.waitForOutput((s) => s.includes(`tick ${n + 3}\n`), `tick ${n + 3}, written after kubectl started following`, 30_000);
            } finally {
              await follow.stop();
            }
          }),
      ]);
    });
  }

  compat.documentTest();
});
