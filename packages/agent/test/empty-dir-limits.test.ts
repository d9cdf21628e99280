// The emptyDir sizeLimit check with measured usage given by a fake: a disk emptyDir
// over its limit gets its pod evicted with the kubelet's message, one within it or
// without a limit does not, Memory emptyDirs and limits of zero are not measured, a
// volume not set up yet or one that cannot be measured is skipped, and a check still
// running is not doubled.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, Volume } from "@bosun/api";
import { PodVolumeDirs } from "../src/volumes/paths.js";
import { EmptyDirLimits, emptyDirLimitMessage } from "../src/volumes/empty-dir-limits.js";

const MiB = 1024 * 1024;
const dirs = new PodVolumeDirs("/data/pods");

function pod(uid: string, volumes: Volume[]): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: `p-${uid}`, namespace: "default", uid }, spec: { containers: [{ name: "c", image: "img:1" }], volumes } };
}

/** The check over `pods`, with usage by directory from `usage` (absent: not set up). */
function limits(pods: Pod[], usage: Record<string, number | Error>) {
  const evicted: { uid: string; message: string }[] = [];
  const measured: string[] = [];
  const checker = new EmptyDirLimits({
    activePods: () => pods,
    dirs,
    evict: (p, message) => evicted.push({ uid: p.metadata.uid ?? "", message }),
    usage: async (dir) => {
      measured.push(dir);
      const u = usage[dir];
      if (u instanceof Error) throw u;
      return u;
    },
  });
  return { checker, evicted, measured };
}

const dirOf = (uid: string, name: string) => dirs.volumeDir(uid, "emptyDir", name);

test("the kubelet's message names the volume and the limit as the pod spells it", () => {
  assert.equal(emptyDirLimitMessage("cache", "1Mi"), 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ');
});

test("a pod whose disk emptyDir uses more than its sizeLimit is evicted; within the limit, or without one, it is not", async () => {
  const over = pod("over", [
    { name: "fine", emptyDir: { sizeLimit: "10Mi" } },
    { name: "cache", emptyDir: { sizeLimit: "1Mi" } },
  ]);
  const exact = pod("exact", [{ name: "cache", emptyDir: { sizeLimit: "1Mi" } }]);
  const unlimited = pod("unlimited", [{ name: "cache", emptyDir: {} }]);
  const { checker, evicted, measured } = limits([over, exact, unlimited], {
    [dirOf("over", "fine")]: 2 * MiB,
    [dirOf("over", "cache")]: MiB + 4096,
    [dirOf("exact", "cache")]: MiB,
    [dirOf("unlimited", "cache")]: 100 * MiB,
  });
  await checker.check();
  assert.deepEqual(evicted, [{ uid: "over", message: 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ' }]);
  assert.ok(!measured.includes(dirOf("unlimited", "cache")), "a volume without a limit is not measured");
});

test("Memory emptyDirs (a tmpfs of their limit) and limits of zero are not measured; a volume not set up yet is skipped", async () => {
  const p = pod("mixed", [
    { name: "ram", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    { name: "zero", emptyDir: { sizeLimit: "0" } },
    { name: "later", emptyDir: { sizeLimit: "1Mi" } },
  ]);
  const { checker, evicted, measured } = limits([p], { [dirOf("mixed", "ram")]: 5 * MiB, [dirOf("mixed", "zero")]: 5 * MiB });
  await checker.check();
  assert.deepEqual(evicted, []);
  assert.deepEqual(measured, [dirOf("mixed", "later")]);
});

test("a volume that cannot be measured is skipped; the others are still checked", async () => {
  const broken = pod("broken", [{ name: "cache", emptyDir: { sizeLimit: "1Mi" } }]);
  const next = pod("next", [{ name: "cache", emptyDir: { sizeLimit: "1Mi" } }]);
  const { checker, evicted } = limits([broken, next], {
    [dirOf("broken", "cache")]: new Error("EACCES: permission denied"),
    [dirOf("next", "cache")]: 3 * MiB,
  });
  await checker.check();
  assert.deepEqual(evicted.map((e) => e.uid), ["next"]);
});

test("a check asked for while one runs shares it rather than measuring twice", async () => {
  const p = pod("slow", [{ name: "cache", emptyDir: { sizeLimit: "1Mi" } }]);
  let release: (n: number) => void = () => undefined;
  let calls = 0;
  const checker = new EmptyDirLimits({
    activePods: () => [p],
    dirs,
    evict: () => undefined,
    // The first measure waits for the test; later ones answer at once.
    usage: () => (++calls === 1 ? new Promise<number>((r) => (release = r)) : Promise.resolve(0)),
  });
  const first = checker.check();
  const second = checker.check();
  assert.equal(first, second);
  release(0);
  await first;
  assert.equal(calls, 1);
  await checker.check();
  assert.equal(calls, 2, "the next check measures again");
});
