// Walks a packet through the filter table of an IptablesModel as the kernel would,
// for the matches and targets the agent's filter rules use, so that tests state
// what traffic is allowed rather than which lines were written. A match it does not
// know fails the walk loudly instead of being guessed.
import type { IptablesModel } from "./iptables-model.js";

export interface Packet {
  src: string;
  dst: string;
  protocol: "tcp" | "udp" | "sctp" | "icmp";
  /** Destination port (not for icmp). */
  port?: number;
  /** conntrack's state of the packet's connection. */
  state?: "NEW" | "ESTABLISHED" | "RELATED";
}

export type Verdict = "ACCEPT" | "DROP" | "REJECT";

interface Walk {
  packet: Packet;
  mark: number;
  /** Chains entered, to catch loops. */
  depth: number;
}

/** The verdict of the built-in chain `hook` (FORWARD, INPUT, OUTPUT) of the filter table; its policy is ACCEPT. */
export function filterVerdict(model: IptablesModel, hook: string, packet: Packet): Verdict {
  const walk: Walk = { packet: { state: "NEW", ...packet }, mark: 0, depth: 0 };
  const result = runChain(model, hook, walk);
  return result === "RETURN" || result === undefined ? "ACCEPT" : result;
}

/** A terminal verdict, RETURN, or undefined for the end of the chain. */
function runChain(model: IptablesModel, chain: string, walk: Walk): Verdict | "RETURN" | undefined {
  if (++walk.depth > 100) throw new Error(`chain loop at ${chain}`);
  for (const rule of model.rules("filter", chain)) {
    const { matches, target, targetArgs } = parseRule(rule);
    if (!matches.every((m) => m(walk))) continue;
    switch (target) {
      case undefined:
        continue;
      case "ACCEPT":
      case "DROP":
      case "REJECT":
        return target;
      case "RETURN":
        return "RETURN";
      case "MARK": {
        const [value, mask] = (targetArgs[1] ?? "").split("/").map((x) => Number.parseInt(x, 16));
        if (targetArgs[0] !== "--set-xmark" || value === undefined || mask === undefined) throw new Error(`MARK ${targetArgs.join(" ")} is not modelled`);
        walk.mark = ((walk.mark & ~mask) ^ value) >>> 0;
        continue;
      }
      default: {
        const result = runChain(model, target, walk);
        if (result !== undefined && result !== "RETURN") return result;
      }
    }
  }
  return undefined;
}

type Match = (walk: Walk) => boolean;

function parseRule(rule: string): { matches: Match[]; target: string | undefined; targetArgs: string[] } {
  const words = tokens(rule);
  const matches: Match[] = [];
  let target: string | undefined;
  let targetArgs: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const negate = words[i] === "!";
    if (negate) i++;
    const word = words[i];
    const next = () => {
      const value = words[++i];
      if (value === undefined) throw new Error(`"${rule}": ${word} without a value`);
      return value;
    };
    const add = (m: Match) => matches.push(negate ? (w) => !m(w) : m);
    switch (word) {
      case "-s": {
        const cidr = next();
        add((w) => inCidr(w.packet.src, cidr));
        break;
      }
      case "-d": {
        const cidr = next();
        add((w) => inCidr(w.packet.dst, cidr));
        break;
      }
      case "-p": {
        const proto = next();
        add((w) => w.packet.protocol === proto);
        break;
      }
      case "--dport": {
        const [from, to = from] = next().split(":").map(Number);
        add((w) => w.packet.port !== undefined && w.packet.port >= (from ?? 0) && w.packet.port <= (to ?? 0));
        break;
      }
      case "--ctstate": {
        const states = next().split(",");
        add((w) => states.includes(w.packet.state ?? "NEW"));
        break;
      }
      case "--mark": {
        const [value, mask = "0xffffffff"] = next().split("/");
        const v = Number.parseInt(value ?? "", 16);
        const m = Number.parseInt(mask, 16);
        add((w) => ((w.mark & m) >>> 0) === v);
        break;
      }
      case "-m": {
        const module = next();
        if (!["tcp", "udp", "sctp", "conntrack", "mark", "comment"].includes(module)) throw new Error(`"${rule}": match module ${module} is not modelled`);
        break;
      }
      case "--comment":
        next();
        break;
      case "-j":
        target = next();
        targetArgs = words.slice(i + 1);
        i = words.length;
        break;
      default:
        throw new Error(`"${rule}": ${word} is not modelled`);
    }
  }
  return { matches, target, targetArgs };
}

/** Words, with double-quoted comments kept whole. */
function tokens(rule: string): string[] {
  return (rule.match(/"[^"]*"|\S+/g) ?? []).map((t) => t.replace(/^"|"$/g, ""));
}

function inCidr(ip: string, cidr: string): boolean {
  const [base = "", len = "32"] = cidr.split("/");
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(base) & mask) >>> 0);
}

function toInt(ip: string): number {
  return ip.split(".").reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}
