// The Secret table, as Kubernetes' printSecret: NAME, TYPE, DATA (how many keys,
// never what they hold) and AGE.
import type { Secret } from "../types/core.js";
import { age } from "./age.js";
import { ageColumn, column, nameColumn, type Printer } from "./columns.js";

export const secretPrinter: Printer<Secret> = {
  columns: [
    nameColumn,
    column("Type", "string", "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
    column(
      "Data",
      "string",
      "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
    ),
    ageColumn,
  ],
  cells: (secret, now) => [
    secret.metadata.name ?? "",
    secret.type ?? "",
    Object.keys(secret.data ?? {}).length,
    age(secret.metadata.creationTimestamp, now),
  ],
};
