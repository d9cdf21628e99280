// What one run of a probe handler (exec, httpGet, tcpSocket) tells, as pkg/probe does:
// success, success with a warning (an HTTP redirect to another host, not followed), or
// failure with the output to show in the Unhealthy event. A handler that could not
// probe at all (bad port, exec API error) throws instead: an unknown result.

export interface ProbeOutcome {
  result: "success" | "warning" | "failure";
  output: string;
}

/** The kubelet reads at most 10 KiB of a probe's output (exec output, HTTP body). */
export const MAX_PROBE_OUTPUT_BYTES = 10 * 1024;

/** The User-Agent of HTTP probes: the kubelet's, with the Kubernetes minor Bosun serves. */
export const PROBE_USER_AGENT = "kube-probe/1.33";

const GO_DIAL_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connect: connection refused",
  EHOSTUNREACH: "connect: no route to host",
  ENETUNREACH: "connect: network is unreachable",
};

/**
 * A Node socket error worded as Go's net package words it ("dial tcp 10.0.0.5:80:
 * connect: connection refused"), since people match probe event messages against
 * what Kubernetes prints.
 */
export function netErrorText(address: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const dial = e?.code ? GO_DIAL_ERRORS[e.code] : undefined;
  if (dial) return `dial tcp ${address}: ${dial}`;
  if (e?.code === "ECONNRESET") return `read tcp ${address}: read: connection reset by peer`;
  if (e?.code === "ENOTFOUND" || e?.code === "EAI_AGAIN") {
    return `dial tcp: lookup ${address.replace(/:\d+$/, "").replace(/^\[|\]$/g, "")}: no such host`;
  }
  return `dial tcp ${address}: ${e?.message ?? String(err)}`;
}

