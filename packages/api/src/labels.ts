// Label selectors with Kubernetes' syntax and semantics (k8s.io/apimachinery/pkg/labels):
// "app=web,tier!=db", "env in (prod,staging)", "release notin (canary)", "gpu",
// "!legacy", "replicas>2"; a comma is AND. Also the structured metav1.LabelSelector
// form (matchLabels + matchExpressions) controllers use, and label key/value rules.
import { isQualifiedName, isValidLabelValue } from "./naming.js";

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SelectorError";
  }
}

export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** One value for =, ==, != ; one or more for in/notin; one integer for gt/lt; none for exists and !. */
  values: string[];
}

/** Requirements that must all hold. No requirements selects everything. */
export interface LabelSelector {
  requirements: LabelRequirement[];
}

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/** The first problem with a label key, or undefined when it is valid. */
export function validateLabelKey(k: string): string | undefined {
  const problems = isQualifiedName(k);
  return problems.length === 0 ? undefined : problems.join("; ");
}

/** The first problem with a label value, or undefined when it is valid. */
export function validateLabelValue(v: string): string | undefined {
  const problems = isValidLabelValue(v);
  return problems.length === 0 ? undefined : problems.join("; ");
}

function requirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const keyProblem = validateLabelKey(key);
  if (keyProblem !== undefined) throw new SelectorError(`invalid label key "${key}": ${keyProblem}`);
  if ((operator === "in" || operator === "notin") && values.length === 0) {
    throw new SelectorError(`for '${operator}' operator on "${key}", values set can't be empty`);
  }
  if ((operator === "=" || operator === "==" || operator === "!=") && values.length !== 1) {
    throw new SelectorError(`exact-match compatibility requires one single value for "${key}"`);
  }
  if (operator === "exists" || operator === "!") {
    if (values.length > 0) throw new SelectorError(`values set must be empty for exists and does not exist on "${key}"`);
  } else if (operator === "gt" || operator === "lt") {
    if (values.length !== 1 || !/^-?\d+$/.test(values[0]!)) {
      throw new SelectorError(`for '${operator === "gt" ? ">" : "<"}' on "${key}", the value must be a single integer`);
    }
  } else {
    for (const v of values) {
      const problem = validateLabelValue(v);
      if (problem !== undefined) throw new SelectorError(`invalid label value "${v}" for key "${key}": ${problem}`);
    }
  }
  return { key, operator, values };
}

// ---- lexer ----

type Token =
  | { kind: "ident"; text: string; pos: number }
  | { kind: "op"; text: "=" | "==" | "!=" | "!" | "<" | ">" | "(" | ")" | ","; pos: number }
  | { kind: "end"; pos: number };

const special = /[\s!=,()<>]/;

function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "=" || c === "!") {
      const two = s.slice(i, i + 2);
      if (two === "==" || two === "!=") {
        tokens.push({ kind: "op", text: two, pos: i });
        i += 2;
      } else {
        tokens.push({ kind: "op", text: c, pos: i });
        i++;
      }
    } else if (c === "(" || c === ")" || c === "," || c === "<" || c === ">") {
      tokens.push({ kind: "op", text: c, pos: i });
      i++;
    } else {
      const start = i;
      while (i < s.length && !special.test(s[i]!)) i++;
      tokens.push({ kind: "ident", text: s.slice(start, i), pos: start });
    }
  }
  tokens.push({ kind: "end", pos: s.length });
  return tokens;
}

function describe(t: Token): string {
  return t.kind === "end" ? "end of selector" : `"${t.text}" at position ${t.pos}`;
}

/** Parses a selector string. The empty string selects everything. Throws SelectorError. */
export function parseLabelSelector(s: string): LabelSelector {
  const tokens = lex(s);
  let i = 0;
  const peek = () => tokens[i]!;
  const next = () => tokens[i++]!;
  const fail = (what: string, t: Token): never => {
    throw new SelectorError(`unable to parse label selector "${s}": expected ${what}, found ${describe(t)}`);
  };
  const requirements: LabelRequirement[] = [];
  if (peek().kind === "end") return { requirements };

  for (;;) {
    let t = next();
    if (t.kind === "op" && t.text === "!") {
      const k = next();
      if (k.kind !== "ident") fail("a label key after '!'", k);
      requirements.push(requirement((k as { text: string }).text, "!", []));
    } else {
      if (t.kind !== "ident") fail("a label key", t);
      const k = (t as { text: string }).text;
      const op = peek();
      if (op.kind === "end" || (op.kind === "op" && op.text === ",")) {
        requirements.push(requirement(k, "exists", []));
      } else if (op.kind === "op" && (op.text === "=" || op.text === "==" || op.text === "!=")) {
        next();
        const v = peek();
        // "a=" selects an empty value, as in Kubernetes.
        if (v.kind === "ident") {
          next();
          requirements.push(requirement(k, op.text, [v.text]));
        } else if (v.kind === "end" || (v.kind === "op" && v.text === ",")) {
          requirements.push(requirement(k, op.text, [""]));
        } else {
          fail(`a value after '${op.text}'`, v);
        }
      } else if (op.kind === "op" && (op.text === "<" || op.text === ">")) {
        next();
        const v = next();
        if (v.kind !== "ident") fail(`an integer after '${op.text}'`, v);
        requirements.push(requirement(k, op.text === ">" ? "gt" : "lt", [(v as { text: string }).text]));
      } else if (op.kind === "ident" && (op.text === "in" || op.text === "notin")) {
        next();
        const open = next();
        if (open.kind !== "op" || open.text !== "(") fail(`'(' after '${op.text}'`, open);
        const values: string[] = [];
        for (;;) {
          const v = next();
          if (v.kind === "ident") {
            values.push(v.text);
            const sep = next();
            if (sep.kind === "op" && sep.text === ")") break;
            if (sep.kind !== "op" || sep.text !== ",") fail("',' or ')'", sep);
          } else if (v.kind === "op" && v.text === ")") {
            // "()" and a trailing "," stand for the empty value, as in Kubernetes.
            values.push("");
            break;
          } else if (v.kind === "op" && v.text === ",") {
            values.push("");
          } else {
            fail("a value or ')'", v);
          }
        }
        requirements.push(requirement(k, op.text, values));
      } else {
        fail("'=', '==', '!=', 'in', 'notin', '<', '>', ',' or the end", op);
      }
    }
    t = next();
    if (t.kind === "end") break;
    if (t.kind !== "op" || t.text !== ",") fail("','", t);
  }
  return { requirements };
}

function matchesRequirement(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key]! : undefined;
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      return has && r.values.includes(value!);
    case "!=":
    case "notin":
      return !has || !r.values.includes(value!);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || !/^-?\d+$/.test(value!)) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === "gt" ? n > bound : n < bound;
    }
  }
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return sel.requirements.every((r) => matchesRequirement(r, l));
}

/** Back to the string form, for query parameters: "app=web,env in (prod,staging)". */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel.requirements
    .map((r) => {
      switch (r.operator) {
        case "exists":
          return r.key;
        case "!":
          return `!${r.key}`;
        case "in":
        case "notin":
          return `${r.key} ${r.operator} (${r.values.join(",")})`;
        case "gt":
          return `${r.key}>${r.values[0]}`;
        case "lt":
          return `${r.key}<${r.values[0]}`;
        default:
          return `${r.key}${r.operator}${r.values[0]}`;
      }
    })
    .join(",");
}

/**
 * The selector of a metav1.LabelSelector. An empty one selects everything, as in
 * Kubernetes' LabelSelectorAsSelector. Throws SelectorError for an invalid operator
 * or values.
 */
export function labelSelectorFromMatch(
  matchLabels: Record<string, string> | undefined,
  matchExpressions?: readonly LabelSelectorRequirement[],
): LabelSelector {
  const requirements: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(matchLabels ?? {})) requirements.push(requirement(k, "=", [v]));
  for (const e of matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        requirements.push(requirement(e.key, "in", values));
        break;
      case "NotIn":
        requirements.push(requirement(e.key, "notin", values));
        break;
      case "Exists":
        requirements.push(requirement(e.key, "exists", values));
        break;
      case "DoesNotExist":
        requirements.push(requirement(e.key, "!", values));
        break;
      default:
        throw new SelectorError(`"${String(e.operator)}" is not a valid label selector operator (use In, NotIn, Exists or DoesNotExist)`);
    }
  }
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { requirements };
}

/**
 * The selector of a metav1.LabelSelector, or undefined when there is none or it does
 * not parse (validation keeps such selectors out of the API; readers that meet one
 * anyway treat it as selecting nothing).
 */
export function labelSelectorOrUndefined(spec: { matchLabels?: Record<string, string>; matchExpressions?: readonly LabelSelectorRequirement[] } | undefined): LabelSelector | undefined {
  if (spec === undefined) return undefined;
  try {
    return labelSelectorFromMatch(spec.matchLabels, spec.matchExpressions);
  } catch (err) {
    if (err instanceof SelectorError) return undefined;
    throw err;
  }
}
