// exec probes, after pkg/probe/exec: the command runs inside the container; exit code
// 0 is success, any other is failure with the command's output, and a command that
// outlives timeoutSeconds fails as "command ... timed out" (the ExecProbeTimeout rule).
// Commands go through the node's one ExecRunner, which bounds how many run at once
// and kills those that time out; lifecycle hooks' exec handlers run here too.
import { ExecTimeoutError } from "../runtime/runtime.js";
import type { ExecRunner, RunExecOptions } from "../exec/exec-runner.js";
import { MAX_PROBE_OUTPUT_BYTES, type ProbeOutcome } from "./outcome.js";

/** What a caller may learn of, or do to, a command while it waits for its turn. */
export type ExecTurn = Pick<RunExecOptions, "onStart" | "signal" | "urgent">;

export async function execProbe(
  execs: ExecRunner,
  containerId: string,
  command: string[] | undefined,
  timeoutMs: number,
  turn: ExecTurn = {},
): Promise<ProbeOutcome> {
  if (!command || command.length === 0) {
    throw new Error("the exec probe has no command; set exec.command in the probe");
  }
  try {
    const res = await execs.run(containerId, command, { timeoutMs, maxOutputBytes: MAX_PROBE_OUTPUT_BYTES, ...turn });
    return { result: res.exitCode === 0 ? "success" : "failure", output: res.output.toString("utf8") };
  } catch (err) {
    if (err instanceof ExecTimeoutError) return { result: "failure", output: err.message };
    throw err;
  }
}
