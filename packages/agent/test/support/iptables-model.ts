// A model of iptables that applies `iptables-restore --noflush` input and prints
// iptables-save's text, checking what the kernel checks (a rule in or a jump to an
// unknown chain, deleting a missing rule, deleting a chain still referred to or not
// empty), so that planning is tested against its own output without iptables.
// Rules are kept as written (iptables-save would reorder their options).

const BUILTIN: Record<string, string[]> = {
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
};

/** Targets that are not chains. */
const TARGETS = new Set(["ACCEPT", "DROP", "RETURN", "REJECT", "DNAT", "SNAT", "MASQUERADE", "MARK", "LOG"]);

type Table = Map<string, string[]>;

export class IptablesModel {
  private readonly tables = new Map<string, Table>();

  constructor(saved = "") {
    if (saved) this.restore(saved);
  }

  private table(name: string): Table {
    let t = this.tables.get(name);
    if (!t) {
      t = new Map((BUILTIN[name] ?? []).map((c) => [c, []]));
      this.tables.set(name, t);
    }
    return t;
  }

  /** Applies the input as `iptables-restore --noflush` does; throws, changing nothing, on an error. */
  restore(input: string): void {
    const backup = new Map([...this.tables].map(([n, t]) => [n, new Map([...t].map(([c, r]) => [c, [...r]]))]));
    try {
      this.apply(input);
    } catch (err) {
      this.tables.clear();
      for (const [n, t] of backup) this.tables.set(n, t);
      throw err;
    }
  }

  private apply(input: string): void {
    let t: Table | undefined;
    let name = "";
    input.split("\n").forEach((raw, i) => {
      const line = raw.trim();
      const where = `line ${i + 1} (${line})`;
      if (line === "" || line.startsWith("#")) return;
      if (line.startsWith("*")) {
        name = line.slice(1);
        t = this.table(name);
        return;
      }
      if (!t) throw new Error(`${where}: no table`);
      if (line === "COMMIT") {
        this.check(t, name);
        t = undefined;
        return;
      }
      const words = line.split(" ");
      const chain = words[1] ?? "";
      if (line.startsWith(":")) {
        const c = line.slice(1).split(" ")[0] ?? "";
        // Declaring a chain creates or flushes it (built-in ones too, with their policy).
        t.set(c, []);
        return;
      }
      const rules = t.get(chain);
      if (!rules) throw new Error(`${where}: no chain ${chain} in ${name}`);
      const rule = words.slice(2).join(" ");
      switch (words[0]) {
        case "-A":
          rules.push(rule);
          break;
        case "-I": {
          const pos = Number(words[2]);
          const body = Number.isInteger(pos) ? words.slice(3).join(" ") : rule;
          rules.splice(Number.isInteger(pos) ? pos - 1 : 0, 0, body);
          break;
        }
        case "-D": {
          const at = rules.indexOf(rule);
          if (at < 0) throw new Error(`${where}: no such rule in ${chain}`);
          rules.splice(at, 1);
          break;
        }
        case "-F":
          rules.length = 0;
          break;
        case "-X": {
          if ((BUILTIN[name] ?? []).includes(chain)) throw new Error(`${where}: cannot delete built-in chain ${chain}`);
          if (rules.length > 0) throw new Error(`${where}: chain ${chain} is not empty`);
          for (const [other, r] of t) if (r.some((x) => x.endsWith(` -j ${chain}`))) throw new Error(`${where}: chain ${chain} is referred to by ${other}`);
          t.delete(chain);
          break;
        }
        default:
          throw new Error(`${where}: unknown command`);
      }
    });
    if (t) throw new Error("input ends without COMMIT");
  }

  /** Every jump goes to a chain of the table. */
  private check(t: Table, name: string): void {
    for (const [chain, rules] of t) {
      for (const r of rules) {
        const target = / -j (\S+)/.exec(` ${r}`)?.[1];
        if (target && !TARGETS.has(target) && !t.has(target)) throw new Error(`rule "-A ${chain} ${r}" of ${name} jumps to chain ${target}, which does not exist`);
      }
    }
  }

  chains(table: string): string[] {
    return [...(this.tables.get(table)?.keys() ?? [])];
  }

  rules(table: string, chain: string): string[] {
    return [...(this.tables.get(table)?.get(chain) ?? [])];
  }

  /** iptables-save's text. */
  save(): string {
    const out: string[] = [];
    for (const [name, t] of this.tables) {
      out.push(`*${name}`);
      for (const c of t.keys()) out.push((BUILTIN[name] ?? []).includes(c) ? `:${c} ACCEPT [0:0]` : `:${c} - [0:0]`);
      for (const [c, rules] of t) for (const r of rules) out.push(`-A ${c} ${r}`);
      out.push("COMMIT");
    }
    return out.join("\n") + "\n";
  }
}
