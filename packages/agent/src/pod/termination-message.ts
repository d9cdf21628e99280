// Termination messages, as the kubelet makes them (kuberuntime_container.go): each
// container instance gets an empty file of its own, <pod dir>/containers/<name>/
// <restart count>, bound at its terminationMessagePath; once the container stopped,
// the last 4 KiB of that file is its state's message. With the policy
// FallbackToLogsOnError, a container that failed and wrote nothing there gets the
// end of its logs instead: the last 80 lines, at most 2048 bytes of them.
import { chmod, mkdir, open, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Container, Pod } from "@bosun/api";
import type { ContainerCreateSpec, ContainerDetails, ContainerRuntime } from "../runtime/runtime.js";
import { LABEL_RESTART_COUNT, LABEL_TERMINATION_MESSAGE_FILE, LABEL_TERMINATION_MESSAGE_POLICY } from "../labels.js";
import type { PodHook } from "./hooks/hook.js";

/** kubecontainer.MaxContainerTerminationMessageLength. */
export const MAX_TERMINATION_MESSAGE_BYTES = 4096;
/** kubecontainer.MaxContainerTerminationMessageLogLines and MaxContainerTerminationMessageLogLength. */
export const FALLBACK_LOG_LINES = 80;
export const FALLBACK_LOG_BYTES = 2048;

/** The last `max` bytes of `data`, as the kubelet's tail.ReadAtMost and circular buffer keep them. */
export function lastBytes(data: Buffer, max: number): Buffer {
  return data.length <= max ? data : data.subarray(data.length - max);
}

/**
 * The last `max` bytes of the file, read from its end: a container may have written
 * gigabytes to its message file, and only the end is kept (the kubelet's tail.ReadAtMost).
 */
export async function readLastBytes(file: string, max: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, max);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, size - length);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Whether a stopped container's message comes from its logs: it failed, wrote no message, and its policy says so. */
export function fallsBackToLogs(policy: string | undefined, exitCode: number, fileMessage: string): boolean {
  return policy === "FallbackToLogsOnError" && exitCode !== 0 && fileMessage === "";
}

/** What a stopped container's state says as its message; "" when nothing. Never throws: a failure to read is the message, as in the kubelet. */
export async function readTerminationMessage(runtime: Pick<ContainerRuntime, "logs">, d: ContainerDetails): Promise<string> {
  const file = d.labels[LABEL_TERMINATION_MESSAGE_FILE];
  if (file === undefined) return "";
  let message = "";
  try {
    message = (await readLastBytes(file, MAX_TERMINATION_MESSAGE_BYTES)).toString("utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") return `Error on reading termination log ${file}: ${(err as Error).message}`;
  }
  // A container that could not even start has no logs to fall back to.
  if (!fallsBackToLogs(d.labels[LABEL_TERMINATION_MESSAGE_POLICY], d.exitCode, message) || d.error !== "") return message;
  try {
    const stream = await runtime.logs(d.id, { follow: false, tail: FALLBACK_LOG_LINES, timestamps: false, since: 0 });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return lastBytes(Buffer.concat(chunks), FALLBACK_LOG_BYTES).toString("utf8");
  } catch (err) {
    return `Error on reading termination message from logs: ${(err as Error).message}`;
  }
}

/** A stopped container's message, joined to the runtime's own as the kubelet joins them ("<runtime's>: <container's>"). */
export function stateMessage(d: ContainerDetails): string {
  return [d.error, d.terminationMessage ?? ""].filter((m) => m !== "").join(": ");
}

/** The hook that gives each container instance its file. */
export class TerminationMessageHook implements PodHook {
  readonly name = "termination-message";

  constructor(
    /** <data-dir>/pods/<uid>: where the pod's files live (removed with the pod). */
    private readonly podDir: (uid: string) => string,
  ) {}

  async containerSpec(pod: Pod, container: Container, spec: ContainerCreateSpec): Promise<void> {
    const target = container.terminationMessagePath ?? "";
    if (target === "") return;
    const dir = join(this.podDir(pod.metadata.uid ?? ""), "containers", container.name);
    const restartCount = Number.parseInt(spec.labels[LABEL_RESTART_COUNT] ?? "0", 10);
    await mkdir(dir, { recursive: true, mode: 0o750 });
    // Only this instance's file and the one before it (its container is kept for lastState) are of use.
    for (const name of await readdir(dir)) {
      if (name !== String(restartCount) && name !== String(restartCount - 1)) await rm(join(dir, name), { force: true });
    }
    const file = join(dir, String(restartCount));
    await writeFile(file, "");
    // Any user the container runs as may write its message, as the kubelet makes the file 0666.
    await chmod(file, 0o666);
    spec.mounts = [...(spec.mounts ?? []), { source: file, target, readOnly: false }];
    spec.labels[LABEL_TERMINATION_MESSAGE_FILE] = file;
    spec.labels[LABEL_TERMINATION_MESSAGE_POLICY] = container.terminationMessagePolicy ?? "File";
  }
}
