// The Namespace table: NAME, STATUS (the phase) and AGE.
import type { Namespace } from "../types/core.js";
import { age } from "./age.js";
import { ageColumn, column, nameColumn, type Printer } from "./columns.js";

export const namespacePrinter: Printer<Namespace> = {
  columns: [nameColumn, column("Status", "string", "The status of the namespace"), ageColumn],
  cells: (ns, now) => [ns.metadata.name ?? "", ns.status?.phase ?? "", age(ns.metadata.creationTimestamp, now)],
};
