// The PodDisruptionBudget table, as Kubernetes' printPodDisruptionBudget: NAME,
// MIN AVAILABLE and MAX UNAVAILABLE (N/A for the one not set), ALLOWED
// DISRUPTIONS from the status, and AGE.
import type { PodDisruptionBudget } from "../types/policy.js";
import { age } from "./age.js";
import { ageColumn, column, nameColumn, type Printer } from "./columns.js";

const notSet = "N/A";

export const podDisruptionBudgetPrinter: Printer<PodDisruptionBudget> = {
  columns: [
    nameColumn,
    column("Min Available", "string", "The minimum number of pods that must be available."),
    column("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
    column("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
    ageColumn,
  ],
  cells: (pdb, now) => [
    pdb.metadata.name ?? "",
    String(pdb.spec?.minAvailable ?? notSet),
    String(pdb.spec?.maxUnavailable ?? notSet),
    pdb.status?.disruptionsAllowed ?? 0,
    age(pdb.metadata.creationTimestamp, now),
  ],
};
