import assert from "node:assert/strict";
import { test } from "node:test";
import { Type } from "@sinclair/typebox";
import {
  Container,
  ContainerPort,
  DefinitionSet,
  definitionName,
  Deployment,
  LabelSelectorSchema,
  patchMetaOf,
  PodSpec,
  resources,
  toSwaggerDefinitions,
  typePatchMetaOf,
  type OpenApiSchema,
} from "../src/index.js";

type Props = Record<string, OpenApiSchema>;

function deploymentDefinitions(): Record<string, OpenApiSchema> {
  const set = new DefinitionSet();
  set.addRoot("io.k8s.api.apps.v1.Deployment", Deployment, {
    gvk: { group: "apps", version: "v1", kind: "Deployment" },
    description: "Deployment enables declarative updates for Pods and ReplicaSets.",
    optionalFields: ["apiVersion", "kind", "metadata"],
  });
  return set.definitions;
}

function props(defs: Record<string, OpenApiSchema>, name: string): Props {
  const def = defs[name];
  assert.ok(def, `no definition ${name}`);
  return def.properties as Props;
}

/** Every $ref anywhere under `value`. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

test("a kind and every nested type get Kubernetes' definition names", () => {
  const defs = deploymentDefinitions();
  for (const name of [
    "io.k8s.api.apps.v1.Deployment",
    "io.k8s.api.apps.v1.DeploymentSpec",
    "io.k8s.api.apps.v1.DeploymentStatus",
    "io.k8s.api.apps.v1.DeploymentStrategy",
    "io.k8s.api.apps.v1.RollingUpdateDeployment",
    "io.k8s.api.apps.v1.DeploymentCondition",
    "io.k8s.api.core.v1.PodTemplateSpec",
    "io.k8s.api.core.v1.PodSpec",
    "io.k8s.api.core.v1.Container",
    "io.k8s.api.core.v1.Probe",
    "io.k8s.api.core.v1.HTTPGetAction",
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    "io.k8s.apimachinery.pkg.api.resource.Quantity",
  ]) {
    assert.ok(defs[name], name);
  }
  for (const ref of refs(defs)) assert.ok(defs[ref.replace("#/components/schemas/", "")], `dangling ${ref}`);
});

test("a kind carries its GVK and description; apiVersion, kind and metadata are not required", () => {
  const deployment = deploymentDefinitions()["io.k8s.api.apps.v1.Deployment"];
  assert.deepEqual(deployment["x-kubernetes-group-version-kind"], [{ group: "apps", version: "v1", kind: "Deployment" }]);
  assert.equal(deployment.description, "Deployment enables declarative updates for Pods and ReplicaSets.");
  assert.deepEqual(deployment.required, ["spec"]);
  assert.equal(deployment.type, "object");
  assert.deepEqual((deployment.properties as Props).apiVersion, { type: "string", enum: ["apps/v1"] });
});

test("fields that refer to a named type use allOf, as kube-openapi writes them", () => {
  const defs = deploymentDefinitions();
  assert.deepEqual(props(defs, "io.k8s.api.apps.v1.Deployment").metadata, {
    allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }],
  });
  const containers = props(defs, "io.k8s.api.core.v1.PodSpec").containers;
  assert.deepEqual(containers.items, { allOf: [{ $ref: "#/components/schemas/io.k8s.api.core.v1.Container" }] });
  assert.deepEqual(defs["io.k8s.api.core.v1.PodSpec"].required, ["containers"]);
});

test("IntOrString, Quantity and Time are formatted as Kubernetes formats them", () => {
  const defs = deploymentDefinitions();
  const intOrString = defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"];
  assert.equal(intOrString.format, "int-or-string");
  assert.deepEqual(intOrString.oneOf, [{ type: "integer" }, { type: "string" }]);
  assert.equal(intOrString["x-kubernetes-int-or-string"], true);
  assert.deepEqual(defs["io.k8s.apimachinery.pkg.api.resource.Quantity"].oneOf, [{ type: "string" }, { type: "number" }]);
  assert.deepEqual(
    { type: defs["io.k8s.apimachinery.pkg.apis.meta.v1.Time"].type, format: defs["io.k8s.apimachinery.pkg.apis.meta.v1.Time"].format },
    { type: "string", format: "date-time" },
  );
  assert.deepEqual(props(defs, "io.k8s.api.apps.v1.RollingUpdateDeployment").maxSurge, {
    allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString" }],
  });
  // A map of quantities refers to Quantity directly, a nullable timestamp to Time.
  assert.deepEqual(props(defs, "io.k8s.api.core.v1.ResourceRequirements").limits, {
    type: "object",
    additionalProperties: { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity" },
  });
  assert.deepEqual(props(defs, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").creationTimestamp, {
    allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time" }],
  });
});

test("merge keys and list types are published where Kubernetes marks them", () => {
  const defs = deploymentDefinitions();
  const containers = props(defs, "io.k8s.api.core.v1.PodSpec").containers;
  assert.equal(containers["x-kubernetes-patch-merge-key"], "name");
  assert.equal(containers["x-kubernetes-patch-strategy"], "merge");
  assert.equal(containers["x-kubernetes-list-type"], "map");
  assert.deepEqual(containers["x-kubernetes-list-map-keys"], ["name"]);
  const ports = props(defs, "io.k8s.api.core.v1.Container").ports;
  assert.equal(ports["x-kubernetes-patch-merge-key"], "containerPort");
  assert.deepEqual(ports["x-kubernetes-list-map-keys"], ["containerPort", "protocol"]);
  assert.equal(props(defs, "io.k8s.api.core.v1.Container").env["x-kubernetes-patch-merge-key"], "name");
  assert.equal(props(defs, "io.k8s.api.core.v1.PodSpec").tolerations["x-kubernetes-list-type"], "atomic");
  assert.equal(props(defs, "io.k8s.api.apps.v1.DeploymentStatus").conditions["x-kubernetes-patch-merge-key"], "type");
  assert.deepEqual(props(defs, "io.k8s.api.apps.v1.DeploymentSpec").strategy, {
    allOf: [{ $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy" }],
    "x-kubernetes-patch-strategy": "retainKeys",
  });
  assert.equal(props(defs, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").finalizers["x-kubernetes-list-type"], "set");
});

test("atomic maps and structs, and the default of a list map key, are published as Kubernetes does", () => {
  const defs = deploymentDefinitions();
  assert.equal(props(defs, "io.k8s.api.core.v1.PodSpec").nodeSelector["x-kubernetes-map-type"], "atomic");
  assert.equal(defs["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"]["x-kubernetes-map-type"], "atomic");
  assert.equal(defs["io.k8s.api.core.v1.PodSpec"]["x-kubernetes-map-type"], undefined, "other types stay granular");
  assert.equal(props(defs, "io.k8s.api.core.v1.ContainerPort").protocol.default, "TCP");
  assert.equal(typePatchMetaOf(Type.Optional(LabelSelectorSchema))?.mapType, "atomic");
  assert.deepEqual(typePatchMetaOf(ContainerPort)?.keyDefaults, { protocol: "TCP" });
  assert.equal(patchMetaOf(PodSpec, "nodeSelector")?.mapType, "atomic");
});

test("unions of literals become enums", () => {
  const defs = deploymentDefinitions();
  assert.deepEqual(props(defs, "io.k8s.api.core.v1.Container").imagePullPolicy, { type: "string", enum: ["Always", "IfNotPresent", "Never"] });
  assert.deepEqual(props(defs, "io.k8s.api.apps.v1.DeploymentStrategy").type, { type: "string", enum: ["RollingUpdate", "Recreate"] });
});

test("every served kind converts, with no reference left dangling", () => {
  const set = new DefinitionSet();
  for (const info of resources) set.addRoot(`io.k8s.api.${info.group || "core"}.${info.version}.${info.kind}`, info.schema);
  for (const ref of refs(set.definitions)) assert.ok(set.definitions[ref.replace("#/components/schemas/", "")], `dangling ${ref}`);
  for (const name of Object.keys(set.definitions)) assert.match(name, /^io\.k8s\.(api|apimachinery)\./);
  assert.ok(set.definitions["io.k8s.api.core.v1.ContainerStateWaiting"], "anonymous types are named parent + field");
  assert.ok(set.definitions["io.k8s.api.core.v1.NodeDaemonEndpoints"]);
  assert.ok(set.definitions["io.k8s.api.core.v1.HostIP"], "hostIPs items are HostIP, though Bosun shares PodIP's schema");
  assert.ok(set.definitions["io.k8s.api.batch.v1.JobTemplateSpec"]);
});

test("two different schemas under one name are refused, the same schema twice is not", () => {
  const set = new DefinitionSet();
  set.addRoot("io.k8s.api.example.v1.Thing", Type.Object({ a: Type.String() }));
  set.addRoot("io.k8s.api.example.v1.Thing", Type.Object({ a: Type.String() }));
  assert.throws(() => set.addRoot("io.k8s.api.example.v1.Thing", Type.Object({ b: Type.String() })), /two different schemas are both named/);
});

test("definition names survive TypeBox's copies of a schema", () => {
  assert.equal(definitionName(Type.Optional(Container)), "io.k8s.api.core.v1.Container");
  assert.equal(definitionName(Type.Object({ x: Type.String() }), "io.k8s.api.core.v1.Parent", "child"), "io.k8s.api.core.v1.ParentChild");
  assert.equal(definitionName(Type.Object({})), undefined);
  assert.equal(patchMetaOf(Type.Optional(PodSpec), "containers")?.patchMergeKey, "name");
  assert.equal(patchMetaOf(PodSpec, "nodeName"), undefined);
});

test("the Swagger (v2) form: plain $ref beside its siblings, no unions", () => {
  const v2 = toSwaggerDefinitions(deploymentDefinitions());
  assert.deepEqual((v2["io.k8s.api.apps.v1.DeploymentSpec"].properties as Props).strategy, {
    $ref: "#/definitions/io.k8s.api.apps.v1.DeploymentStrategy",
    "x-kubernetes-patch-strategy": "retainKeys",
  });
  const intOrString = v2["io.k8s.apimachinery.pkg.util.intstr.IntOrString"];
  assert.equal(intOrString.type, "string");
  assert.equal(intOrString.format, "int-or-string");
  assert.equal(intOrString.oneOf, undefined);
  assert.equal(v2["io.k8s.apimachinery.pkg.api.resource.Quantity"].type, "string");
  assert.ok(!JSON.stringify(v2).includes("#/components/schemas/"));
  assert.ok(!JSON.stringify(v2).includes('"allOf"'));
});

test("integer fields are published as int32 or int64, as Kubernetes' Go types declare them", () => {
  const defs = deploymentDefinitions();
  assert.deepEqual(props(defs, "io.k8s.api.apps.v1.DeploymentSpec").replicas, { type: "integer", format: "int32" });
  assert.deepEqual(props(defs, "io.k8s.api.core.v1.PodSpec").terminationGracePeriodSeconds, { type: "integer", format: "int64" });
  assert.deepEqual(props(defs, "io.k8s.api.core.v1.PodSecurityContext").runAsUser, { type: "integer", format: "int64" });
  assert.deepEqual(props(defs, "io.k8s.api.core.v1.ContainerPort").containerPort, { type: "integer", format: "int32" });
});
