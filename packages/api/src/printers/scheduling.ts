// The PriorityClass table, as Kubernetes' printPriorityClass: NAME, VALUE,
// GLOBAL-DEFAULT, AGE and PREEMPTIONPOLICY (empty when unset).
import type { PriorityClass } from "../types/scheduling.js";
import { age } from "./age.js";
import { ageColumn, column, nameColumn, type Printer } from "./columns.js";

export const priorityClassPrinter: Printer<PriorityClass> = {
  columns: [
    nameColumn,
    column(
      "Value",
      "integer",
      "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.",
    ),
    column(
      "Global-Default",
      "boolean",
      "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.",
    ),
    ageColumn,
    column(
      "PreemptionPolicy",
      "string",
      "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
    ),
  ],
  cells: (pc, now) => [pc.metadata.name ?? "", pc.value, pc.globalDefault ?? false, age(pc.metadata.creationTimestamp, now), pc.preemptionPolicy ?? ""],
};
