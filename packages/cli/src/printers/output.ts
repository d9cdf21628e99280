// Machine-readable output (-o yaml|json|name), shaped as kubectl prints it: one
// object as itself, several as a v1 List.
import type { KubeObject, ResourceInfo } from "@bosun/api";
import { stringify } from "yaml";

export type OutputFormat = "table" | "wide" | "yaml" | "json" | "name";

export const outputFormats: readonly OutputFormat[] = ["wide", "yaml", "json", "name"];

export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === "") return "table";
  if ((outputFormats as readonly string[]).includes(value)) return value as OutputFormat;
  throw new Error(`unable to match a printer suitable for the output format "${value}", allowed formats are: ${outputFormats.join(",")}`);
}

/** `deployment.apps/web`: the form kubectl's -o name and its "scaled", "rolled back" lines print, and get/delete accept back. */
export function qualifiedName(res: ResourceInfo, name: string): string {
  const group = res.group ? `.${res.group}` : "";
  return `${res.singular}${group}/${name}`;
}

export function objectName(res: ResourceInfo, obj: KubeObject): string {
  return qualifiedName(res, obj.metadata.name ?? "");
}

export function asList(objects: readonly KubeObject[]): { apiVersion: string; kind: string; items: readonly KubeObject[]; metadata: { resourceVersion: string } } {
  return { apiVersion: "v1", items: objects, kind: "List", metadata: { resourceVersion: "" } };
}

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 4) + "\n";
}

export interface PrintOptions {
  /** Keep metadata.managedFields, which kubectl hides unless --show-managed-fields. */
  showManagedFields?: boolean;
}

function withoutManagedFields(obj: KubeObject): KubeObject {
  if (obj.metadata.managedFields === undefined) return obj;
  const metadata = { ...obj.metadata };
  delete metadata.managedFields;
  return { ...obj, metadata };
}

/** Formats objects for -o yaml|json|name; `single` prints a lone object rather than a List. */
export function printObjects(
  format: "yaml" | "json" | "name",
  res: ResourceInfo,
  objects: readonly KubeObject[],
  single: boolean,
  opts: PrintOptions = {},
): string {
  if (format === "name") return objects.map((o) => objectName(res, o) + "\n").join("");
  const shown = opts.showManagedFields ? objects : objects.map(withoutManagedFields);
  const value = single && shown.length === 1 ? shown[0] : asList(shown);
  return format === "yaml" ? toYaml(value) : toJson(value);
}
