// The host's network stack as the agent drives it: iproute2 (`ip -json` to read,
// `ip -batch -` to write), `bridge` for VXLAN forwarding entries and
// iptables-save/iptables-restore. One process per batch, never one per rule or route.
import { spawn } from "node:child_process";

export interface HostNetwork {
  /**
   * Runs the ip commands in one `ip -json -details -force -batch -` and answers each
   * command's JSON output in order; a command that fails (e.g. `route get` to an
   * unreachable address) answers nothing, so only commands that cannot fail should
   * rely on their position.
   */
  ipRead(commands: readonly string[]): Promise<unknown[]>;
  /** Runs the ip commands in one `ip -force -batch -`; rejects, after running the rest, if any failed. */
  ipWrite(commands: readonly string[]): Promise<void>;
  /** Runs the ip commands in one `ip -force -batch -` inside the network namespace of process `pid`. */
  ipWriteInNetns(pid: number, commands: readonly string[]): Promise<void>;
  /** `bridge -json fdb show dev <device>`. */
  fdbRead(device: string): Promise<unknown>;
  /** Runs the bridge commands in one `bridge -force -batch -`. */
  bridgeWrite(commands: readonly string[]): Promise<void>;
  /** `iptables-save`: every table. */
  iptablesSave(): Promise<string>;
  /** `iptables-restore --noflush`: what the input does not name stays as it is. */
  iptablesRestore(input: string): Promise<void>;
  /**
   * `conntrack -D` once per filter (the tool has no batch mode for deletions); finding
   * no entry is not a failure. Rejects, after running the rest, if any failed.
   */
  deleteConntrackEntries(filters: readonly ConntrackFilter[]): Promise<void>;
  /** `sysctl -w name=value`, e.g. net.ipv4.conf.all.route_localnet. */
  setSysctl(name: string, value: string): Promise<void>;
}

/** Which conntrack entries to delete: every field given must match. */
export interface ConntrackFilter {
  protocol: "udp";
  /** The original destination: a service's address (--orig-dst). */
  origDst?: string;
  /** The original destination port (--orig-port-dst). */
  origDstPort?: number;
  /** The address the flow was DNATed to: an endpoint (--dst-nat). */
  dstNat?: string;
}

/** `conntrack -D`'s arguments for a filter. */
export function conntrackDeleteArgs(f: ConntrackFilter): string[] {
  return [
    "-D",
    "-p",
    f.protocol,
    ...(f.origDst ? ["--orig-dst", f.origDst] : []),
    ...(f.origDstPort ? ["--orig-port-dst", String(f.origDstPort)] : []),
    ...(f.dstNat ? ["--dst-nat", f.dstNat] : []),
  ];
}

export interface LinuxHostOptions {
  /** Run everything inside this network namespace (`ip netns exec`): how the tests work on a scratch namespace. */
  netns?: string;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const INSTALL_HINT: Record<string, string> = {
  ip: "install iproute2",
  bridge: "install iproute2",
  "iptables-save": "install iptables",
  "iptables-restore": "install iptables",
  nsenter: "install util-linux",
  conntrack: "install conntrack",
  sysctl: "install procps",
};

export class LinuxHost implements HostNetwork {
  constructor(private readonly opts: LinuxHostOptions = {}) {}

  async ipRead(commands: readonly string[]): Promise<unknown[]> {
    const r = await this.run("ip", ["-json", "-details", "-force", "-batch", "-"], commands.join("\n") + "\n");
    // Failed commands are expected here (see the interface); their output is simply absent.
    return parseJsonLines(r.stdout, "ip -json -batch");
  }

  async ipWrite(commands: readonly string[]): Promise<void> {
    if (commands.length === 0) return;
    const r = await this.run("ip", ["-force", "-batch", "-"], commands.join("\n") + "\n");
    if (r.code !== 0) throw new Error(`ip -batch failed: ${oneLine(r.stderr)} (commands: ${commands.join("; ")})`);
  }

  async ipWriteInNetns(pid: number, commands: readonly string[]): Promise<void> {
    if (commands.length === 0) return;
    const r = await this.run("nsenter", [`--net=/proc/${pid}/ns/net`, "ip", "-force", "-batch", "-"], commands.join("\n") + "\n");
    if (r.code !== 0) throw new Error(`ip -batch in the network namespace of process ${pid} failed: ${oneLine(r.stderr)} (commands: ${commands.join("; ")})`);
  }

  async fdbRead(device: string): Promise<unknown> {
    const r = await this.run("bridge", ["-json", "fdb", "show", "dev", device]);
    if (r.code !== 0) throw new Error(`bridge fdb show dev ${device} failed: ${oneLine(r.stderr)}`);
    return r.stdout.trim() === "" ? [] : (JSON.parse(r.stdout) as unknown);
  }

  async bridgeWrite(commands: readonly string[]): Promise<void> {
    if (commands.length === 0) return;
    const r = await this.run("bridge", ["-force", "-batch", "-"], commands.join("\n") + "\n");
    if (r.code !== 0) throw new Error(`bridge -batch failed: ${oneLine(r.stderr)} (commands: ${commands.join("; ")})`);
  }

  async iptablesSave(): Promise<string> {
    const r = await this.run("iptables-save", []);
    if (r.code !== 0) throw new Error(`iptables-save failed: ${oneLine(r.stderr)}`);
    return r.stdout;
  }

  async iptablesRestore(input: string): Promise<void> {
    // -w: with the legacy backend, wait for the xtables lock that Docker or another agent may hold.
    const r = await this.run("iptables-restore", ["-w", "--noflush"], input);
    if (r.code !== 0) throw new Error(`iptables-restore -w --noflush failed: ${oneLine(r.stderr)}; its input was:\n${input}`);
  }

  async deleteConntrackEntries(filters: readonly ConntrackFilter[]): Promise<void> {
    const failures: string[] = [];
    for (const f of filters) {
      const args = conntrackDeleteArgs(f);
      try {
        const r = await this.run("conntrack", args);
        // conntrack exits 1 when nothing matched: for a deletion, that is success.
        if (r.code !== 0 && !r.stderr.includes("0 flow entries have been deleted")) failures.push(`conntrack ${args.join(" ")}: ${oneLine(r.stderr)}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    if (failures.length > 0) throw new Error(`deleting stale conntrack entries failed: ${[...new Set(failures)].join("; ")}`);
  }

  async setSysctl(name: string, value: string): Promise<void> {
    const r = await this.run("sysctl", ["-q", "-w", `${name}=${value}`]);
    if (r.code !== 0) throw new Error(`sysctl -w ${name}=${value} failed: ${oneLine(r.stderr)}`);
  }

  private run(command: string, args: string[], input?: string): Promise<RunResult> {
    const argv = this.opts.netns ? ["netns", "exec", this.opts.netns, command, ...args] : args;
    const file = this.opts.netns ? "ip" : command;
    return new Promise((resolve, reject) => {
      const child = spawn(file, argv, { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", (err: NodeJS.ErrnoException) => {
        const hint = err.code === "ENOENT" ? `; ${INSTALL_HINT[command] ?? "install it"}` : "";
        reject(new Error(`cannot run ${command}: ${err.message}${hint}`));
      });
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
      // A command that exits before reading all of its input must not crash the agent.
      child.stdin.on("error", () => undefined);
      child.stdin.end(input ?? "");
    });
  }
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, "; ") || "no message";
}

/** ip -json -batch prints each command's JSON on a line of its own. */
function parseJsonLines(stdout: string, what: string): unknown[] {
  const out: unknown[] = [];
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as unknown);
    } catch (err) {
      throw new Error(`${what} printed something that is not JSON (${(err as Error).message}): ${line.slice(0, 200)}`);
    }
  }
  return out;
}
