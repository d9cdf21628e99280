// The ControllerRevision table, as Kubernetes' printControllerRevision: the
// controller as "<kind>.<group>/<name>" (kubectl's formatResourceName with its kind)
// and the revision number.
import type { ControllerRevision } from "../types/apps.js";
import { age } from "./age.js";
import { ageColumn, column, nameColumn, none, type Printer } from "./columns.js";

function controllerName(cr: ControllerRevision): string {
  const ref = (cr.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return none;
  const group = ref.apiVersion.includes("/") ? ref.apiVersion.slice(0, ref.apiVersion.indexOf("/")) : "";
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ""}/${ref.name}`;
}

export const controllerRevisionPrinter: Printer<ControllerRevision> = {
  columns: [
    nameColumn,
    column("Controller", "string", "Controller of the object"),
    column("Revision", "string", "Revision indicates the revision of the state represented by Data."),
    ageColumn,
  ],
  cells: (cr, now) => [cr.metadata.name ?? "", controllerName(cr), cr.revision, age(cr.metadata.creationTimestamp, now)],
};
