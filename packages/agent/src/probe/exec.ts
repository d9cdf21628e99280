// exec probes, after pkg/probe/exec: the command runs inside the container; exit code
// 0 is success, any other is failure with the command's output, and a command that
// outlives timeoutSeconds fails as "command ... timed out" (the ExecProbeTimeout rule).
import { ExecTimeoutError, type ContainerRuntime } from "../runtime/runtime.js";
import { MAX_PROBE_OUTPUT_BYTES, type ProbeOutcome } from "./outcome.js";

export async function execProbe(
  runtime: ContainerRuntime,
  containerId: string,
  command: string[] | undefined,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  if (!command || command.length === 0) {
    throw new Error("the exec probe has no command; set exec.command in the probe");
  }
  try {
    const res = await runtime.exec(containerId, command, { timeoutMs, maxOutputBytes: MAX_PROBE_OUTPUT_BYTES });
    return { result: res.exitCode === 0 ? "success" : "failure", output: res.output.toString("utf8") };
  } catch (err) {
    if (err instanceof ExecTimeoutError) return { result: "failure", output: err.message };
    throw err;
  }
}
