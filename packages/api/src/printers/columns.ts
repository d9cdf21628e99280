// What a printer is, and the columns and cells several kinds share. A printer
// gives every column, wide ones included, as Kubernetes' printers do
// (pkg/printers/internalversion/printers.go); the apiserver sends them all in a
// meta.k8s.io Table and clients show the priority-1 columns only for -o wide.
import { formatLabelSelector, labelSelectorFromMatch } from "../labels.js";
import type { Container } from "../types/core.js";
import type { KubeObject, LabelSelectorSpec } from "../types/meta.js";

/** A Table cell: Kubernetes sends counts as JSON numbers and everything else as text. */
export type TableCell = string | number | boolean;

/** metav1.TableColumnDefinition. */
export interface TableColumnDefinition {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  /** "name" marks the column that holds the object's name (kubectl prefixes it with the kind). */
  format: string;
  description: string;
  /** 0: always shown; 1: shown with -o wide. */
  priority: number;
}

/** metav1.TableRowCondition: Kubernetes marks rows of finished pods Completed. */
export interface TableRowCondition {
  type: "Completed";
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
}

/** The table of one kind. Method syntax, so a Printer<Pod> serves where a Printer<KubeObject> is asked for. */
export interface Printer<T extends KubeObject = KubeObject> {
  columns: readonly TableColumnDefinition[];
  /** One cell per column, in column order. */
  cells(obj: T, now: number): TableCell[];
  conditions?(obj: T): TableRowCondition[];
}

export const none = "<none>";

export function column(
  name: string,
  type: TableColumnDefinition["type"],
  description: string,
  opts: { priority?: number; format?: string } = {},
): TableColumnDefinition {
  return { name, type, format: opts.format ?? "", description, priority: opts.priority ?? 0 };
}

export const nameColumn = column(
  "Name",
  "string",
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  { format: "name" },
);

export const creationTimestampDescription =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

export const ageColumn = column("Age", "string", creationTimestampDescription);

/** CONTAINERS and IMAGES of -o wide, for kinds with a pod template. */
export const templateColumns: readonly TableColumnDefinition[] = [
  column("Containers", "string", "Names of each container in the template.", { priority: 1 }),
  column("Images", "string", "Images referenced by each container in the template.", { priority: 1 }),
];

export function selectorColumn(description: string): TableColumnDefinition {
  return column("Selector", "string", description, { priority: 1 });
}

/** The CONTAINERS and IMAGES cells: every container of the template on one line. */
export function containerCells(containers: readonly Container[]): [string, string] {
  return [containers.map((c) => c.name).join(","), containers.map((c) => c.image).join(",")];
}

/** metav1.FormatLabelSelector: "app=web", "<none>" when it selects nothing in particular, "<error>" when invalid. */
export function selectorText(selector: LabelSelectorSpec | undefined): string {
  if (!selector) return none;
  try {
    return formatLabelSelector(labelSelectorFromMatch(selector.matchLabels, selector.matchExpressions)) || none;
  } catch {
    return "<error>";
  }
}

/** labels.FormatLabels: "k=v,k2=v2" sorted by key, "<none>" when empty. */
export function labelsText(labels: Record<string, string> | undefined): string {
  const pairs = Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  return pairs.length > 0 ? pairs.join(",") : none;
}
