// The `paths` of an OpenAPI v3 group-version document: the operations Bosun serves
// on each resource, named and parameterised as kube-openapi names Kubernetes'
// own, with the x-kubernetes-action and x-kubernetes-group-version-kind that
// kubectl reads (it looks for the fieldValidation parameter on PATCH to decide
// that the server validates fields itself).
import {
  apiVersionOf,
  bindingSchema,
  DeleteOptions,
  evictionSchema,
  kindDefinitionName,
  listSchema,
  PatchBody,
  scaleSchema,
  Status,
  tokenRequestSchema,
  type DefinitionSet,
  type GroupVersionKind,
  type OpenApiSchema,
  type ResourceInfo,
} from "@bosun/api";
import { objectMediaTypes, patchMediaTypes } from "./body.js";

type Schema = ResourceInfo["schema"];

const metaDefinitions = {
  status: "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
  deleteOptions: "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
  patch: "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
} as const;

/** The kind of a subresource's body when it is not the parent's own. */
const subresourceBodies: Record<string, { gvk: GroupVersionKind; schema: Schema }> = {
  scale: { gvk: { group: "autoscaling", version: "v1", kind: "Scale" }, schema: scaleSchema },
  binding: { gvk: { group: "", version: "v1", kind: "Binding" }, schema: bindingSchema },
  eviction: { gvk: { group: "policy", version: "v1", kind: "Eviction" }, schema: evictionSchema },
  token: { gvk: { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" }, schema: tokenRequestSchema },
};

export function subresourceBody(subresource: string): { gvk: GroupVersionKind; schema: Schema } | undefined {
  return subresourceBodies[subresource];
}

type Operation = OpenApiSchema;

function query(name: string, description: string, type = "string"): OpenApiSchema {
  return { name, in: "query", description, schema: { type, uniqueItems: true } };
}

function pathParam(name: string, description: string): OpenApiSchema {
  return { name, in: "path", description, required: true, schema: { type: "string", uniqueItems: true } };
}

const params = {
  dryRun: query("dryRun", 'When present, indicates that modifications should not be persisted. The only valid value is "All".'),
  fieldManager: query("fieldManager", "The name of the actor or entity that is making these changes."),
  fieldValidation: query(
    "fieldValidation",
    "How the server treats fields of the body it does not know, or finds twice: Ignore (dropped), Warn (dropped, with a Warning header for each) or Strict (the request fails with BadRequest). Without it Bosun refuses them as Invalid, naming each field.",
  ),
  force: query("force", "Force is going to \"force\" Apply requests: the caller takes over the fields other managers own.", "boolean"),
  gracePeriodSeconds: query("gracePeriodSeconds", "The duration in seconds before the object should be deleted.", "integer"),
  propagationPolicy: query("propagationPolicy", "Whether and how garbage collection will be performed: Orphan, Background or Foreground."),
  orphanDependents: query("orphanDependents", "Deprecated: use propagationPolicy.", "boolean"),
  labelSelector: query("labelSelector", "A selector to restrict the list of returned objects by their labels."),
  fieldSelector: query("fieldSelector", "A selector to restrict the list of returned objects by their fields."),
  limit: query("limit", "The maximum number of responses to return for a list call.", "integer"),
  continue: query("continue", "The continue token of a previous list call, to fetch the next page."),
  resourceVersion: query("resourceVersion", "Sets a constraint on what resource versions a request may be served from."),
  timeoutSeconds: query("timeoutSeconds", "Timeout for the list/watch call.", "integer"),
  watch: query("watch", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.", "boolean"),
  allowWatchBookmarks: query("allowWatchBookmarks", "Requests watch events with type \"BOOKMARK\".", "boolean"),
  name: pathParam("name", "name of the object"),
  namespace: pathParam("namespace", "object name and auth scope, such as for teams and projects"),
};

const listParams = [
  params.allowWatchBookmarks,
  params.continue,
  params.fieldSelector,
  params.labelSelector,
  params.limit,
  params.resourceVersion,
  params.timeoutSeconds,
  params.watch,
];
const writeParams = [params.dryRun, params.fieldManager, params.fieldValidation];

function content(schema: OpenApiSchema, types: readonly string[] = objectMediaTypes): OpenApiSchema {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

function responses(schema: OpenApiSchema, codes: string[] = ["200"]): OpenApiSchema {
  return Object.fromEntries(codes.map((code) => [code, { description: code === "201" ? "Created" : "OK", content: content(schema) }]));
}

/** "Core" for the core group, "Apps" for apps: the group part of Kubernetes' operation ids. */
function groupPart(info: { group: string; version: string }): string {
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return `${info.group === "" ? "Core" : info.group.split(".").map(cap).join("")}${cap(info.version)}`;
}

function tagOf(info: ResourceInfo): string {
  return `${info.group === "" ? "core" : info.group}_${info.version}`;
}

/** Adds a kind's definition (with its GVK and standard field descriptions) and returns a reference to it. */
export function addKind(set: DefinitionSet, gvk: GroupVersionKind, schema: Schema): OpenApiSchema {
  return set.addRoot(kindDefinitionName(gvk.group, gvk.version, gvk.kind), schema, kindOptions(gvk));
}

const standardFields: Record<string, string> = {
  apiVersion:
    "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.",
  kind: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.",
  metadata: "Standard object's metadata.",
};

/** The first sentences of Kubernetes' own descriptions, for `kubectl explain <kind>`. */
const kindDescriptions: Record<string, string> = {
  Namespace: "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
  Node: "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).",
  Pod: "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.",
  Event: "Event is a report of an event somewhere in the cluster.",
  Secret: "Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.",
  ConfigMap: "ConfigMap holds configuration data for pods to consume.",
  ServiceAccount:
    "ServiceAccount binds together: * a name, understood by users, and perhaps by peripheral systems, for an identity * a principal that can be authenticated and authorized * a set of secrets",
  TokenRequest: "TokenRequest requests a token for a given service account.",
  PersistentVolume:
    "PersistentVolume (PV) is a storage resource provisioned by an administrator. It is analogous to a node. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes",
  PersistentVolumeClaim: "PersistentVolumeClaim is a user's request for and claim to a persistent volume",
  StorageClass:
    "StorageClass describes the parameters for a class of storage for which PersistentVolumes can be dynamically provisioned.\n\nStorageClasses are non-namespaced; the name of the storage class according to etcd is in ObjectMeta.Name.",
  PriorityClass:
    "PriorityClass defines mapping from a priority class name to the priority integer value. The value can be any valid integer.",
  Binding: "Binding ties one object to another; for example, a pod is bound to a node by a scheduler.",
  Eviction: "Eviction evicts a pod from its node subject to certain policies and safety constraints. It is created by POSTing to .../pods/<pod name>/eviction.",
  Deployment: "Deployment enables declarative updates for Pods and ReplicaSets.",
  ReplicaSet: "ReplicaSet ensures that a specified number of pod replicas are running at any given time.",
  ReplicationController: "ReplicationController represents the configuration of a replication controller.",
  ControllerRevision:
    "ControllerRevision implements an immutable snapshot of state data. Clients are responsible for serializing and deserializing the objects that contain their internal state. Once a ControllerRevision has been successfully created, it can not be updated. The API Server will fail validation of all requests that attempt to mutate the Data field. ControllerRevisions may, however, be deleted. Note that, due to its use by both the DaemonSet and StatefulSet controllers for update and rollback, this object is beta. However, it may be subject to name and representation changes in future releases, and clients should not depend on its stability. It is primarily for internal use by controllers.",
  DaemonSet: "DaemonSet represents the configuration of a daemon set.",
  StatefulSet: "StatefulSet represents a set of pods with consistent identities, maintaining one pod for each identity.",
  Job: "Job represents the configuration of a single job.",
  CronJob: "CronJob represents the configuration of a single cron job.",
  Scale: "Scale represents a scaling request for a resource.",
  Service:
    "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.",
  Endpoints:
    "Endpoints is a collection of endpoints that implement the actual service.",
  EndpointSlice:
    "EndpointSlice represents a set of service endpoints. Most EndpointSlices are created by the EndpointSlice controller to represent the Pods selected by Service objects. For a given service there may be multiple EndpointSlice objects which must be joined to produce the full set of endpoints; you can find all of the slices for a given service by listing EndpointSlices in the service's namespace whose `kubernetes.io/service-name` label contains the service's name.",
  Ingress:
    "Ingress is a collection of rules that allow inbound connections to reach the endpoints defined by a backend. An Ingress can be configured to give services externally-reachable urls, load balance traffic, terminate SSL, offer name based virtual hosting etc.",
  IngressClass:
    "IngressClass represents the class of the Ingress, referenced by the Ingress Spec. The `ingressclass.kubernetes.io/is-default-class` annotation can be used to indicate that an IngressClass should be considered default. When a single IngressClass resource has this annotation set to true, new Ingress resources without a class specified will be assigned this default class.",
  NetworkPolicy: "NetworkPolicy describes what network traffic is allowed for a set of Pods",
  PodDisruptionBudget: "PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of pods",
};

function kindOptions(gvk: GroupVersionKind) {
  return {
    gvk,
    description: kindDescriptions[gvk.kind],
    fieldDescriptions: standardFields,
    optionalFields: ["apiVersion", "kind", "metadata"],
  };
}

/** Adds to `paths` (and `set`) every operation on `info` and its subresources. */
export function addResourcePaths(paths: Record<string, OpenApiSchema>, set: DefinitionSet, info: ResourceInfo): void {
  const gvk: GroupVersionKind = { group: info.group, version: info.version, kind: info.kind };
  const base = info.group === "" ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const scope = info.namespaced ? "Namespaced" : "";
  const id = `${groupPart(info)}${scope}${info.kind}`;
  const collection = info.namespaced ? `${base}/namespaces/{namespace}/${info.resource}` : `${base}/${info.resource}`;
  const scopeParams = info.namespaced ? [params.namespace] : [];
  const object = addKind(set, gvk, info.schema);
  const list = addKind(set, { ...gvk, kind: info.listKind }, listSchema(apiVersionOf(info), info.listKind, info.schema));
  const status = set.addRoot(metaDefinitions.status, Status, { gvk: { group: "", version: "v1", kind: "Status" } });
  const deleteOptions = set.addRoot(metaDefinitions.deleteOptions, DeleteOptions);
  const patch = set.addRoot(metaDefinitions.patch, PatchBody, {
    description: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
  });
  const op = (action: string, operationId: string, rest: OpenApiSchema, opGvk: GroupVersionKind = gvk): Operation => ({
    tags: [tagOf(info)],
    operationId,
    ...rest,
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": opGvk,
  });
  const verbs = new Set(info.verbs);
  const collectionOps: OpenApiSchema = { parameters: scopeParams };
  if (verbs.has("list")) {
    collectionOps.get = op("list", `list${id}`, { description: `list or watch objects of kind ${info.kind}`, parameters: listParams, responses: responses(list) });
  }
  if (verbs.has("create")) {
    collectionOps.post = op("post", `create${id}`, {
      description: `create a ${info.kind}`,
      parameters: writeParams,
      requestBody: { content: { "*/*": { schema: object } }, required: true },
      responses: responses(object, ["200", "201", "202"]),
    });
  }
  paths[collection] = collectionOps;
  if (info.namespaced && verbs.has("list")) {
    paths[`${base}/${info.resource}`] = {
      get: op("list", `list${groupPart(info)}${info.kind}ForAllNamespaces`, {
        description: `list or watch objects of kind ${info.kind}`,
        parameters: listParams,
        responses: responses(list),
      }),
    };
  }
  const itemOps: OpenApiSchema = { parameters: [params.name, ...scopeParams] };
  if (verbs.has("get")) itemOps.get = op("get", `read${id}`, { description: `read the specified ${info.kind}`, responses: responses(object) });
  if (verbs.has("update")) itemOps.put = replaceOp(op, `replace${id}`, info.kind, object);
  if (verbs.has("patch")) itemOps.patch = patchOp(op, `patch${id}`, info.kind, patch, object);
  if (verbs.has("delete")) {
    itemOps.delete = op("delete", `delete${id}`, {
      description: `delete a ${info.kind}`,
      parameters: [params.dryRun, params.gracePeriodSeconds, params.orphanDependents, params.propagationPolicy],
      requestBody: { content: { "*/*": { schema: deleteOptions } } },
      responses: { ...responses(object), ...responses(status, ["202"]) },
    });
  }
  paths[`${collection}/{name}`] = itemOps;
  for (const sub of info.subresources) {
    const subPath = `${collection}/{name}/${sub}`;
    const subId = `${id}${sub.charAt(0).toUpperCase()}${sub.slice(1)}`;
    const subParams = { parameters: [params.name, ...scopeParams] };
    switch (sub) {
      // Both take and answer the whole parent object.
      case "status":
      case "ephemeralcontainers":
        paths[subPath] = {
          ...subParams,
          get: op("get", `read${subId}`, { description: `read ${sub} of the specified ${info.kind}`, responses: responses(object) }),
          put: replaceOp(op, `replace${subId}`, `${sub} of ${info.kind}`, object),
          patch: patchOp(op, `patch${subId}`, `${sub} of ${info.kind}`, patch, object),
        };
        break;
      case "scale": {
        const body = subresourceBodies.scale;
        const scale = addKind(set, body.gvk, body.schema);
        const scaleOp: OpBuilder = (action, operationId, rest) => op(action, operationId, rest, body.gvk);
        paths[subPath] = {
          ...subParams,
          get: scaleOp("get", `read${subId}`, { description: `read scale of the specified ${info.kind}`, responses: responses(scale) }),
          put: replaceOp(scaleOp, `replace${subId}`, `scale of ${info.kind}`, scale),
          patch: patchOp(scaleOp, `patch${subId}`, `scale of ${info.kind}`, patch, scale),
        };
        break;
      }
      case "binding":
      case "eviction":
      case "token": {
        const body = subresourceBodies[sub];
        const bodyRef = addKind(set, body.gvk, body.schema);
        paths[subPath] = {
          ...subParams,
          post: op(
            "post",
            `create${subId}`,
            {
              description: `create ${sub} of a ${info.kind}`,
              parameters: writeParams,
              requestBody: { content: { "*/*": { schema: bodyRef } }, required: true },
              responses: responses(bodyRef, ["200", "201", "202"]),
            },
            body.gvk,
          ),
        };
        break;
      }
      case "log":
        paths[subPath] = {
          ...subParams,
          get: op("get", `read${subId}`, {
            description: `read log of the specified ${info.kind}`,
            // Exactly the query logOptions (logs.ts) reads.
            parameters: [
              query("container", "The container for which to stream logs."),
              query("follow", "Follow the log stream of the pod.", "boolean"),
              query(
                "limitBytes",
                "If set, the number of bytes to read from the server before terminating the log output. The last line may be cut short.",
                "integer",
              ),
              query("previous", "Return previous terminated container logs.", "boolean"),
              query(
                "sinceSeconds",
                "A relative time in seconds before the current time from which to show logs. Only one of sinceSeconds or sinceTime may be specified.",
                "integer",
              ),
              query(
                "sinceTime",
                "An RFC3339 timestamp from which to show logs. Only one of sinceSeconds or sinceTime may be specified.",
              ),
              query("tailLines", "The number of lines from the end of the logs to show.", "integer"),
              query("timestamps", "Add an RFC3339 timestamp at the beginning of every line of log output.", "boolean"),
            ],
            responses: { "200": { description: "OK", content: { "text/plain": { schema: { type: "string" } } } } },
          }),
        };
        break;
      default:
        // Streaming subresources (exec, attach, portforward) upgrade the connection.
        paths[subPath] = {
          ...subParams,
          get: op("connect", `connectGet${subId}`, { description: `connect GET requests to ${sub} of ${info.kind}`, responses: { "200": { description: "OK" } } }),
          post: op("connect", `connectPost${subId}`, { description: `connect POST requests to ${sub} of ${info.kind}`, responses: { "200": { description: "OK" } } }),
        };
    }
  }
}

type OpBuilder = (action: string, operationId: string, rest: OpenApiSchema) => Operation;

function replaceOp(op: OpBuilder, operationId: string, what: string, schema: OpenApiSchema): Operation {
  return op("put", operationId, {
    description: `replace the specified ${what}`,
    parameters: writeParams,
    requestBody: { content: { "*/*": { schema } }, required: true },
    responses: responses(schema, ["200", "201"]),
  });
}

function patchOp(op: OpBuilder, operationId: string, what: string, patch: OpenApiSchema, schema: OpenApiSchema): Operation {
  return op("patch", operationId, {
    description: `partially update the specified ${what}`,
    parameters: [...writeParams, params.force],
    requestBody: { content: content(patch, patchMediaTypes), required: true },
    responses: responses(schema, ["200", "201"]),
  });
}
