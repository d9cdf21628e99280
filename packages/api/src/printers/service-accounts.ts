// The ServiceAccount table, as Kubernetes' printServiceAccount: NAME, SECRETS (how
// many it references) and AGE.
import type { ServiceAccount } from "../types/service-accounts.js";
import { age } from "./age.js";
import { ageColumn, column, nameColumn, type Printer } from "./columns.js";

export const serviceAccountPrinter: Printer<ServiceAccount> = {
  columns: [
    nameColumn,
    column(
      "Secrets",
      "string",
      "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API. More info: https://kubernetes.io/docs/concepts/configuration/secret",
    ),
    ageColumn,
  ],
  cells: (sa, now) => [sa.metadata.name ?? "", (sa.secrets ?? []).length, age(sa.metadata.creationTimestamp, now)],
};
