// Kubernetes' definition names for the schemas in types/*.ts
// ("io.k8s.api.apps.v1.DeploymentSpec"), the names OpenAPI documents, kubectl
// explain and client-side tooling know them by. Exported schemas are named after
// their export, in the package of the file that holds them, so a type added there
// is named without touching this file; the tables below hold only what that rule
// gets wrong.
import { Kind, type TSchema } from "@sinclair/typebox";
import * as affinity from "./types/affinity.js";
import * as apps from "./types/apps.js";
import * as authentication from "./types/authentication.js";
import * as autoscaling from "./types/autoscaling.js";
import * as batch from "./types/batch.js";
import * as core from "./types/core.js";
import * as discovery from "./types/discovery.js";
import * as env from "./types/env.js";
import * as lifecycle from "./types/lifecycle.js";
import * as meta from "./types/meta.js";
import * as networking from "./types/networking.js";
import * as persistentVolumes from "./types/persistent-volumes.js";
import * as podFields from "./types/pod-fields.js";
import * as policy from "./types/policy.js";
import * as scheduling from "./types/scheduling.js";
import * as securityContext from "./types/security-context.js";
import * as replicationControllers from "./types/replication-controllers.js";
import * as serviceAccounts from "./types/service-accounts.js";
import * as services from "./types/services.js";
import * as storage from "./types/storage.js";
import * as volumes from "./types/volumes.js";

const metaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1";

export const timeDefinition = `${metaPackage}.Time`;
export const intOrStringDefinition = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
export const quantityDefinition = "io.k8s.apimachinery.pkg.api.resource.Quantity";

const packages: [string, Record<string, unknown>][] = [
  // meta first: core.ts re-exports ObjectMeta, which is still a meta type.
  [metaPackage, meta],
  ["io.k8s.api.core.v1", core],
  ["io.k8s.api.core.v1", affinity],
  ["io.k8s.api.core.v1", env],
  ["io.k8s.api.core.v1", lifecycle],
  ["io.k8s.api.core.v1", securityContext],
  ["io.k8s.api.core.v1", services],
  ["io.k8s.api.core.v1", serviceAccounts],
  ["io.k8s.api.core.v1", replicationControllers],
  ["io.k8s.api.core.v1", persistentVolumes],
  ["io.k8s.api.core.v1", podFields],
  ["io.k8s.api.core.v1", volumes],
  ["io.k8s.api.discovery.v1", discovery],
  ["io.k8s.api.networking.v1", networking],
  ["io.k8s.api.apps.v1", apps],
  ["io.k8s.api.batch.v1", batch],
  ["io.k8s.api.autoscaling.v1", autoscaling],
  ["io.k8s.api.storage.v1", storage],
  ["io.k8s.api.authentication.v1", authentication],
  ["io.k8s.api.policy.v1", policy],
  ["io.k8s.api.scheduling.v1", scheduling],
];

/** Exports whose names are not Kubernetes' own; null for a schema several Kubernetes types share. */
const exportNames: Record<string, string | null> = {
  LabelSelectorSchema: `${metaPackage}.LabelSelector`,
  LabelSelectorRequirementSchema: `${metaPackage}.LabelSelectorRequirement`,
  Eviction: "io.k8s.api.policy.v1.Eviction",
  MetaCondition: `${metaPackage}.Condition`,
  // discovery/v1 calls its port EndpointPort, a name core/v1's Endpoints port already holds here.
  EndpointSlicePort: "io.k8s.api.discovery.v1.EndpointPort",
  TypedLocalObjectReference: "io.k8s.api.core.v1.TypedLocalObjectReference",
  // Each apps kind has its own condition type in Kubernetes (fieldNames below).
  AppsCondition: null,
};

/** "<parent definition>.<field>" -> the definition of the field's type (of its items, for a list). */
const fieldNames: Record<string, string> = {
  "io.k8s.api.core.v1.NodeStatus.daemonEndpoints": "io.k8s.api.core.v1.NodeDaemonEndpoints",
  "io.k8s.api.core.v1.NodeDaemonEndpoints.kubeletEndpoint": "io.k8s.api.core.v1.DaemonEndpoint",
  "io.k8s.api.core.v1.PodStatus.hostIPs": "io.k8s.api.core.v1.HostIP",
  "io.k8s.api.apps.v1.DeploymentStatus.conditions": "io.k8s.api.apps.v1.DeploymentCondition",
  "io.k8s.api.apps.v1.ReplicaSetStatus.conditions": "io.k8s.api.apps.v1.ReplicaSetCondition",
  "io.k8s.api.apps.v1.DaemonSetStatus.conditions": "io.k8s.api.apps.v1.DaemonSetCondition",
  "io.k8s.api.apps.v1.StatefulSetStatus.conditions": "io.k8s.api.apps.v1.StatefulSetCondition",
  "io.k8s.api.apps.v1.DaemonSetUpdateStrategy.rollingUpdate": "io.k8s.api.apps.v1.RollingUpdateDaemonSet",
  "io.k8s.api.apps.v1.StatefulSetUpdateStrategy.rollingUpdate": "io.k8s.api.apps.v1.RollingUpdateStatefulSetStrategy",
};

/**
 * What identifies a schema across TypeBox's copies of it: Type.Optional copies the
 * schema object but keeps its `properties` (and a union's `anyOf`).
 */
export function schemaIdentity(schema: TSchema): object {
  const s = schema as { properties?: object; anyOf?: object };
  return s.properties ?? s.anyOf ?? schema;
}

function isSchema(value: unknown): value is TSchema {
  return typeof value === "object" && value !== null && Kind in value;
}

function buildExportedNames(): Map<object, string> {
  const names = new Map<object, string>();
  names.set(schemaIdentity(meta.IntOrString), intOrStringDefinition);
  names.set(schemaIdentity(core.Quantity), quantityDefinition);
  for (const [pkg, exports] of packages) {
    for (const [exportName, value] of Object.entries(exports)) {
      if (!isSchema(value) || value[Kind] !== "Object") continue;
      const name = exportName in exportNames ? exportNames[exportName] : `${pkg}.${exportName}`;
      const id = schemaIdentity(value);
      if (name !== null && !names.has(id)) names.set(id, name);
    }
  }
  return names;
}

const exported = buildExportedNames();

/**
 * The Kubernetes definition name of `schema`, reached as `field` of the type named
 * `parent` (for a list, the name of its items). Anonymous object types take their
 * parent's name and the field's ("ContainerState" + "waiting" ->
 * "ContainerStateWaiting"), as Kubernetes names most of them. Undefined for a type
 * without a name: scalars, maps, lists, objects without fields, and objects reached
 * from nowhere named.
 */
export function definitionName(schema: TSchema, parent?: string, field?: string): string | undefined {
  if (parent !== undefined && field !== undefined) {
    const byField = fieldNames[`${parent}.${field}`];
    if (byField !== undefined) return byField;
  }
  if ((schema as { format?: string }).format === "date-time") return timeDefinition;
  const byExport = exported.get(schemaIdentity(schema));
  if (byExport !== undefined) return byExport;
  if (schema[Kind] !== "Object" || parent === undefined || field === undefined) return undefined;
  if (Object.keys((schema as { properties?: object }).properties ?? {}).length === 0) return undefined;
  return `${parent}${field.charAt(0).toUpperCase()}${field.slice(1)}`;
}

/**
 * The definition name of a top-level kind: "io.k8s.api.apps.v1.Deployment". The
 * package is the group's first label, as Go's k8s.io/api/<package> is named
 * ("networking.k8s.io" -> "io.k8s.api.networking.v1.Ingress").
 */
export function kindDefinitionName(group: string, version: string, kind: string): string {
  return `io.k8s.api.${group === "" ? "core" : group.split(".")[0]}.${version}.${kind}`;
}
