// The mounts agents leave behind in their data directories: the tmpfs of Memory
// emptyDirs and Secrets' volumes of pods still running when a cluster stops (an
// agent that stops leaves its pods, and their volumes, as they are). They are
// unmounted before the run's directory is removed, deepest first.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The mount points under `dir`, from /proc/self/mountinfo (its octal escapes undone). */
function mountsUnder(dir: string): string[] {
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => (line.split(" ")[4] ?? "").replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  return points.filter((p) => p.startsWith(`${dir}/`));
}

/** Unmounts everything under `dir`; throws, naming them, when some stay mounted. */
export async function unmountUnder(dir: string): Promise<void> {
  for (const point of mountsUnder(dir).sort((a, b) => b.length - a.length)) {
    await run("umount", [point]).catch(() => undefined);
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`still mounted under ${dir}: ${left.join(", ")}; unmount them by hand (umount) before removing it`);
}
