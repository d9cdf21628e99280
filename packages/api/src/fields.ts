// Field selectors (k8s.io/apimachinery/pkg/fields): "spec.nodeName=node-1,status.phase!=Failed".
// Only = / == / != on a fixed set of fields per kind, as Kubernetes serves them;
// a backslash escapes "\", "," and "=" in values.
import { SelectorError } from "./labels.js";
import type { KubeObject } from "./types/meta.js";

export interface FieldRequirement {
  field: string;
  operator: "=" | "==" | "!=";
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
}

const common = ["metadata.name", "metadata.namespace"];
const byKind: Record<string, string[]> = {
  Pod: ["spec.nodeName", "status.phase"],
  Event: [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "reason",
    "type",
  ],
  Node: ["spec.unschedulable"],
  Secret: ["type"],
  // As the service strategy's ServiceSelectableFields ("spec.clusterIP!=None" leaves out headless Services).
  Service: ["spec.clusterIP", "spec.type"],
};

export function supportedFieldSelectors(kind: string): string[] {
  return [...common, ...(byKind[kind] ?? [])];
}

/** Splits on separators not preceded by an (unescaped) backslash. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === ",") {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function unescape(s: string, whole: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== "\\") {
      out += s[i];
      continue;
    }
    const c = s[++i];
    if (c !== "\\" && c !== "," && c !== "=") {
      throw new SelectorError(`invalid field selector "${whole}": invalid escape sequence "\\${c ?? ""}" (only \\\\, \\, and \\= are allowed)`);
    }
    out += c;
  }
  return out;
}

const operators = ["!=", "==", "="] as const;

/** Parses a field selector. The empty string selects everything. Throws SelectorError. */
export function parseFieldSelector(s: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(s)) {
    if (term.trim() === "") continue;
    let found: FieldRequirement | undefined;
    for (let i = 0; i < term.length && found === undefined; i++) {
      if (term[i] === "\\") {
        i++;
        continue;
      }
      for (const op of operators) {
        if (term.startsWith(op, i)) {
          found = { field: unescape(term.slice(0, i), s).trim(), operator: op, value: unescape(term.slice(i + op.length), s) };
          break;
        }
      }
    }
    if (found === undefined) {
      throw new SelectorError(`invalid field selector "${s}": can't understand "${term}" (use field=value, field==value or field!=value)`);
    }
    if (found.field === "") throw new SelectorError(`invalid field selector "${s}": "${term}" names no field`);
    requirements.push(found);
  }
  return { requirements };
}

/** The field's value as a selector compares it: a string, "" when absent, "true"/"false" for booleans. */
export function fieldValue(obj: KubeObject, field: string): string {
  let cur: unknown = obj;
  for (const part of field.split(".")) {
    if (typeof cur !== "object" || cur === null) return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  if (typeof cur === "string") return cur;
  if (typeof cur === "number" || typeof cur === "boolean") return String(cur);
  return "";
}

export function matchesFields(sel: FieldSelector, obj: KubeObject): boolean {
  return sel.requirements.every((r) => {
    const v = fieldValue(obj, r.field);
    return r.operator === "!=" ? v !== r.value : v === r.value;
  });
}

/** Kubernetes' message for the first field this kind cannot be selected by, or undefined. */
export function validateFieldSelector(kind: string, sel: FieldSelector): string | undefined {
  const supported = supportedFieldSelectors(kind);
  const bad = sel.requirements.find((r) => !supported.includes(r.field));
  return bad === undefined ? undefined : `field label not supported: ${bad.field}`;
}
