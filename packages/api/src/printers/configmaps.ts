// The ConfigMap table, as Kubernetes' printConfigMap: NAME, DATA (how many keys,
// in data and binaryData together) and AGE.
import type { ConfigMap } from "../types/core.js";
import { age } from "./age.js";
import { ageColumn, column, nameColumn, type Printer } from "./columns.js";

export const configMapPrinter: Printer<ConfigMap> = {
  columns: [
    nameColumn,
    column(
      "Data",
      "string",
      "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
    ),
    ageColumn,
  ],
  cells: (cm, now) => [
    cm.metadata.name ?? "",
    Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
    age(cm.metadata.creationTimestamp, now),
  ],
};
