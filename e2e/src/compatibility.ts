// The client compatibility table of docs/compatibility.md (between the
// `kubectl-table` markers), kept true by the suites that exercise it: every row
// belongs to one suite, the suite's scenarios record what they observed for it,
// and the suite's last test renders the section from those observations and fails
// with a line diff when the document says something else. With
// BOSUN_E2E_WRITE_COMPATIBILITY=1 that test writes the rows it verified instead.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { KUBECTL_VERSIONS, type KubectlVersion } from "./kubectl.js";
import { repoRoot } from "./paths.js";

export type Outcome =
  | { state: "works" }
  | { state: "partial"; missing: string }
  | { state: "not supported"; reason: string };

export const works: Outcome = { state: "works" };
/** Works except for `missing`, which the cell names. */
export function partial(missing: string): Outcome {
  return { state: "partial", missing };
}
export function notSupported(reason: string): Outcome {
  return { state: "not supported", reason };
}

export type CompatSuite = "kubectl-read" | "kubectl-apply" | "kubectl-workloads" | "kubectl-exec" | "interactive" | "kubectl-services" | "client-node";

// Row text as the document shows it, in the document's order, with the suite that
// observes it. Cells hold no "|" (it would split the markdown cell).
const kubectlRowSuites = {
  "`version`": "kubectl-read",
  "`api-resources`, `api-versions`": "kubectl-read",
  "`explain`": "kubectl-read",
  "`get` (server-side columns)": "kubectl-read",
  "`get -o wide`": "kubectl-read",
  "`get -o yaml`": "kubectl-read",
  "`get -w`": "kubectl-read",
  "`get -A`": "kubectl-read",
  "`get --show-labels`": "kubectl-read",
  "`get -l`": "kubectl-read",
  "`get all`": "kubectl-read",
  "`describe`": "kubectl-read",
  "`wait --for=condition=...`": "kubectl-read",
  "`top`": "kubectl-read",
  "`create -f`": "kubectl-apply",
  "`create namespace`, `create deployment`": "kubectl-apply",
  "`apply -f`": "kubectl-apply",
  "`apply` of an unknown field": "kubectl-apply",
  "`apply --server-side`": "kubectl-apply",
  "`apply --dry-run=server`": "kubectl-apply",
  "`diff`": "kubectl-apply",
  "`edit`": "kubectl-apply",
  "`patch --type=strategic`": "kubectl-apply",
  "`patch --type=merge`": "kubectl-apply",
  "`patch --type=json`": "kubectl-apply",
  "`label`": "kubectl-apply",
  "`annotate`": "kubectl-apply",
  "`delete --cascade`": "kubectl-apply",
  "`scale`": "kubectl-workloads",
  "`rollout status`": "kubectl-workloads",
  "`rollout history`": "kubectl-workloads",
  "`rollout undo`": "kubectl-workloads",
  "`rollout restart`": "kubectl-workloads",
  "`rollout pause`, `rollout resume`": "kubectl-workloads",
  "`cordon`, `uncordon`, `drain`": "kubectl-workloads",
  "`logs`": "kubectl-exec",
  "`logs -f`": "kubectl-exec",
  "`exec`": "kubectl-exec",
  "`port-forward`": "kubectl-exec",
  "`exec -it`": "interactive",
  "`attach -i`": "interactive",
  "`run -it`, `run -i --rm`": "interactive",
  "`debug` (ephemeral container)": "interactive",
  "`expose`": "kubectl-services",
  "`get svc,ep,endpointslices,ing,netpol`": "kubectl-services",
  "`describe svc`": "kubectl-services",
  "`create service clusterip`, `create service nodeport`": "kubectl-services",
  "`port-forward svc/NAME`": "kubectl-services",
} as const satisfies Record<string, CompatSuite>;

const clientNodeRowSuites = {
  "list (`CoreV1Api`, `AppsV1Api`)": "client-node",
  "list with `limit` and `_continue`": "client-node",
  "create": "client-node",
  "patch (JSON patch, its default)": "client-node",
  "delete": "client-node",
  "`Watch` resumed from a resourceVersion": "client-node",
  "`Watch` from a compacted resourceVersion (410 Expired)": "client-node",
  "`KubernetesObjectApi` apply of a multi-document manifest": "client-node",
  "`makeInformer` through a master restart": "client-node",
  "`makeInformer` relisting after 410 Expired": "client-node",
  "`PortForward` into a pod": "client-node",
} as const satisfies Record<string, CompatSuite>;

export type KubectlRow = keyof typeof kubectlRowSuites;
export type ClientNodeRow = keyof typeof clientNodeRowSuites;

const clientNodeColumn = "@kubernetes/client-node";
type Column = KubectlVersion | typeof clientNodeColumn;

// The installed client's major.minor heads its column: a new client makes the table stale.
const clientNodeVersion = (createRequire(import.meta.url)("@kubernetes/client-node/package.json") as { version: string }).version
  .split(".")
  .slice(0, 2)
  .join(".");

interface TableSpec {
  header: string[];
  columns: readonly Column[];
  rows: Record<string, CompatSuite>;
}

const tables: TableSpec[] = [
  { header: ["kubectl command", ...KUBECTL_VERSIONS.map((v) => `kubectl ${v}`)], columns: KUBECTL_VERSIONS, rows: kubectlRowSuites },
  { header: ["@kubernetes/client-node", clientNodeVersion], columns: [clientNodeColumn], rows: clientNodeRowSuites },
];

const compatibilityDoc = `${repoRoot}/docs/compatibility.md`;
const startMarker = "<!-- kubectl-table:start -->";
const endMarker = "<!-- kubectl-table:end -->";
const writeVariable = "BOSUN_E2E_WRITE_COMPATIBILITY";

const intro = [
  "What the real clients do against Bosun, as the end-to-end suites observe it.",
  `\`e2e/test/kubectl-*.test.ts\` run every kubectl row with kubectl ${KUBECTL_VERSIONS.join(" and ")}`,
  "and the kubeconfig `bosun kubeconfig` prints; `e2e/test/client-node.test.ts`",
  "runs the client rows. Each suite fails when its rows here say something else;",
  `\`${writeVariable}=1 node --test e2e/dist/test/<suite>.test.js\` rewrites them.`,
];

type Observation = { outcome: Outcome } | { failed: string };

function cellText(outcome: Outcome): string {
  switch (outcome.state) {
    case "works":
      return "works";
    case "partial":
      return `partial: ${outcome.missing}`;
    case "not supported":
      return `not supported: ${outcome.reason}`;
  }
}

/** What one suite observed; its `documentTest` compares that with the document. */
export class Compatibility {
  private readonly seen = new Map<string, Observation>();

  constructor(readonly suite: CompatSuite) {}

  /**
   * Runs one kubectl scenario for a row: `fn` asserts and answers the outcome (no
   * answer means it works). A throw is recorded as a failure and thrown on.
   */
  kubectl(row: KubectlRow, version: KubectlVersion, fn: () => Promise<Outcome | void>): Promise<void> {
    return this.observe(row, kubectlRowSuites[row], version, fn);
  }

  clientNode(row: ClientNodeRow, fn: () => Promise<Outcome | void>): Promise<void> {
    return this.observe(row, clientNodeRowSuites[row], clientNodeColumn, fn);
  }

  /**
   * Registers the test that compares the document with what this suite saw; call
   * it after the suite's other tests, so it runs last.
   */
  documentTest(): void {
    test(`docs/compatibility.md: the ${this.suite} rows say what the suite observed`, () => {
      const doc = readFileSync(compatibilityDoc, "utf8");
      const { before, section, after } = splitDocument(doc);
      const documented = parseCells(section);
      const problems: string[] = [];
      const expected = this.render(documented, problems, false);
      if (process.env[writeVariable] === "1") {
        writeFileSync(compatibilityDoc, `${before}${this.render(documented, [], true)}${after}`);
      } else if (expected !== section) {
        problems.unshift(
          `docs/compatibility.md disagrees with what the ${this.suite} suite observed (- document, + observed):\n${lineDiff(section, expected)}`,
        );
      }
      if (problems.length > 0) throw new Error(problems.join("\n\n"));
    });
  }

  private async observe(row: string, owner: CompatSuite, column: Column, fn: () => Promise<Outcome | void>): Promise<void> {
    if (owner !== this.suite) throw new Error(`the compatibility row ${row} belongs to the ${owner} suite, not ${this.suite}`);
    const key = cellKey(row, column);
    try {
      const outcome = (await fn()) ?? works;
      // A row checked twice (two scenarios) must agree; a failure wins.
      const before = this.seen.get(key);
      if (before && "outcome" in before && cellText(before.outcome) !== cellText(outcome)) {
        throw new Error(`row ${row} (${column}) observed twice with different outcomes: "${cellText(before.outcome)}" and "${cellText(outcome)}"`);
      }
      if (!before || "outcome" in before) this.seen.set(key, { outcome });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // The first lines say what failed (an assertion's first line alone is only its kind).
      const summary = message.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 4).join(" ");
      this.seen.set(key, { failed: summary.replace(/\|/g, "/").slice(0, 240) });
      throw err;
    }
  }

  /**
   * The section as it should read: this suite's cells from its observations, other
   * suites' cells as documented. Cells this suite could not verify are named in
   * `problems`; `writing` keeps their documented text instead of a NOT VERIFIED marker.
   */
  private render(documented: Map<string, string>, problems: string[], writing: boolean): string {
    const lines = [startMarker, ...intro, ""];
    for (const table of tables) {
      lines.push(`| ${table.header.join(" | ")} |`, `|${table.header.map(() => "---").join("|")}|`);
      for (const [row, owner] of Object.entries(table.rows)) {
        const cells = table.columns.map((column) => {
          const key = cellKey(row, column);
          const doc = documented.get(key);
          if (owner !== this.suite) {
            if (doc !== undefined) return doc;
            problems.push(`row ${row} (${column}) is missing from the document; run the ${owner} suite with ${writeVariable}=1`);
            return `(missing: run the ${owner} suite)`;
          }
          const seen = this.seen.get(key);
          if (seen && "outcome" in seen) return cellText(seen.outcome);
          const why = seen ? `its scenario failed: ${seen.failed}` : "its scenario did not run";
          problems.push(`row ${row} (${column}) was not verified: ${why}`);
          return writing && doc !== undefined ? doc : `NOT VERIFIED (${why})`;
        });
        lines.push(`| ${row} | ${cells.join(" | ")} |`);
      }
      lines.push("");
    }
    lines.push(endMarker);
    return lines.join("\n");
  }
}

function cellKey(row: string, column: Column): string {
  return `${row}\u0000${column}`;
}

function splitDocument(doc: string): { before: string; section: string; after: string } {
  const start = doc.indexOf(startMarker);
  const end = doc.indexOf(endMarker);
  if (start < 0 || end < start) {
    throw new Error(`${compatibilityDoc} has no "${startMarker}" ... "${endMarker}" section; add the markers where the client table belongs`);
  }
  return { before: doc.slice(0, start), section: doc.slice(start, end + endMarker.length), after: doc.slice(end + endMarker.length) };
}

/** The documented cells by row and column, from the section's tables. */
function parseCells(section: string): Map<string, string> {
  const cells = new Map<string, string>();
  let table: TableSpec | undefined;
  for (const line of section.split("\n")) {
    if (!line.startsWith("|")) {
      table = undefined;
      continue;
    }
    const parts = line.slice(1, line.endsWith("|") ? -1 : undefined).split("|").map((c) => c.trim());
    if (!table) {
      table = tables.find((t) => t.header[0] === parts[0]);
      continue;
    }
    if (parts.every((p) => /^-+$/.test(p))) continue;
    const [row, ...values] = parts;
    table.columns.forEach((column, i) => {
      if (values[i] !== undefined) cells.set(cellKey(row!, column), values[i]!);
    });
  }
  return cells;
}

/** A line diff (longest common subsequence): "-" only in a, "+" only in b, context elided. */
function lineDiff(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      i++;
      j++;
    } else if (i < x.length && (j === y.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push(`- ${x[i++]}`);
    } else {
      out.push(`+ ${y[j++]}`);
    }
  }
  return out.join("\n");
}

/**
 * Runs every scenario, in order, even when some fail (each row's observation is
 * worth having), then fails with all their errors.
 */
export async function runAll(scenarios: ReadonlyArray<() => Promise<void>>): Promise<void> {
  const errors: unknown[] = [];
  for (const scenario of scenarios) {
    try {
      await scenario();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const messages = errors.map((e, i) => `(${i + 1}/${errors.length}) ${e instanceof Error ? e.message : String(e)}`);
    throw new Error(`${errors.length} scenarios failed:\n\n${messages.join("\n\n")}`);
  }
}
