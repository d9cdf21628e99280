// Decoding Kubernetes protobuf request bodies into the JSON object a client would
// have sent: bodies kubectl 1.33 wrote, messages built with the generated
// encoders for every kind of field, and bodies that must be refused.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type ResourceInfo } from "@bosun/api";
import { apps, batch, core, meta, networking } from "@bosun/proto/k8s";
import { decodeProtobufObject } from "../src/http/protobuf-body.js";
import { StatusError } from "../src/errors.js";
import { protobufBody } from "../src/testing/index.js";

const namespaces = mustResource("namespaces");
const secrets = mustResource("secrets");
const services = mustResource("services");
const deployments = mustResource("deployments");

/** Bodies kubectl 1.33 sent (read from its -v=9 log), with the JSON `--dry-run=client -o json` prints for the same command, nulls left out. */
const fromKubectl = [
  {
    command: "kubectl create namespace y",
    info: namespaces,
    hex: "6b3873000a0f0a02763112094e616d65737061636512190a110a017912001a0022002a0032003800420012001a020a001a002200",
    json: { apiVersion: "v1", kind: "Namespace", metadata: { name: "y" }, spec: {}, status: {} },
  },
  {
    command: "kubectl create service nodeport s1 --tcp=80:8080 --tcp=81:http",
    info: services,
    hex:
      "6b3873000a0d0a0276311207536572766963651285010a1d0a02733112001a0022002a003200380042005a090a036170701202733112600a1b0a0738302d38" +
      "303830120354435018502207080010903f1a0028000a1e0a0738312d6874747012035443501851220a080110001a0468747470280012090a0361707012027331" +
      "1a0022084e6f6465506f72743a00420052005a00600068001a020a001a002200",
    json: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s1", labels: { app: "s1" } },
      spec: {
        ports: [
          { name: "80-8080", protocol: "TCP", port: 80, targetPort: 8080 },
          { name: "81-http", protocol: "TCP", port: 81, targetPort: "http" },
        ],
        selector: { app: "s1" },
        type: "NodePort",
      },
      status: { loadBalancer: {} },
    },
  },
  {
    command: "kubectl create deployment d2 --image=busybox --replicas=0 --port=80 -- sh -c 'sleep 1'",
    info: deployments,
    hex:
      "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412ca010a1d0a02643212001a0022002a003200380042005a090a0361707012026432129a01" +
      "0800120b0a090a03617070120264321a80010a1b0a0012001a0022002a003200380042005a090a0361707012026432126112430a0762757379626f7812076275" +
      "7379626f781a0273681a022d631a07736c65657020312a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a005200" +
      "5800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200",
    json: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d2", labels: { app: "d2" } },
      spec: {
        // A pointer set to 0 is kept; the zero values Kubernetes writes for every other field are not.
        replicas: 0,
        selector: { matchLabels: { app: "d2" } },
        template: {
          metadata: { labels: { app: "d2" } },
          spec: { containers: [{ name: "busybox", image: "busybox", command: ["sh", "-c", "sleep 1"], ports: [{ containerPort: 80 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    },
  },
];

function decode(body: Buffer, info: ResourceInfo): Record<string, unknown> {
  return decodeProtobufObject(body, info);
}

/** The Status a decode refuses `body` with. */
function refusal(body: Buffer, info: ResourceInfo): { code: number; message: string } {
  try {
    decode(body, info);
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    return { code: err.status.code, message: err.status.message ?? "" };
  }
  assert.fail("the body was decoded; it should have been refused");
}

describe("protobuf request bodies", () => {
  for (const vector of fromKubectl) {
    test(`what ${vector.command} sends reads as the JSON it would have sent`, () => {
      assert.deepEqual(decode(Buffer.from(vector.hex, "hex"), vector.info), vector.json);
    });
  }

  test("a Deployment with every kind of field: pointers set to zero kept, values at zero left out, IntOrString, Quantity, Time, inline fields merged", () => {
    const labels = new Map([["app", "web"]]);
    const message = apps.Deployment.fromPartial({
      metadata: { name: "web", labels, creationTimestamp: { seconds: 1714564800 }, deletionGracePeriodSeconds: 0 },
      spec: {
        replicas: 0,
        minReadySeconds: 0,
        paused: false,
        selector: { matchLabels: labels, matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: { type: 1, strVal: "25%" }, maxUnavailable: { type: 0, intVal: 0 } } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 0,
            hostNetwork: false,
            securityContext: { runAsUser: 0, supplementalGroups: [1000, 2000] },
            volumes: [
              { name: "scratch", inlineVolumeSource: { emptyDir: { medium: "Memory", sizeLimit: { string: "64Mi" } } } },
              { name: "settings", inlineVolumeSource: { configMap: { inlineLocalObjectReference: { name: "cfg" }, defaultMode: 0o400, optional: false } } },
            ],
            containers: [
              {
                name: "app",
                image: "busybox",
                resources: { limits: new Map([["cpu", meta.Quantity.fromPartial({ string: "100m" })], ["memory", meta.Quantity.fromPartial({})]]) },
                env: [
                  { name: "MODE", value: "" },
                  { name: "KEY", valueFrom: { secretKeyRef: { inlineLocalObjectReference: { name: "creds" }, key: "k", optional: true } } },
                ],
                readinessProbe: { inlineHandler: { httpGet: { path: "/ready", port: { type: 1, strVal: "http" } } }, periodSeconds: 5 },
                livenessProbe: { inlineHandler: { tcpSocket: { port: { type: 0, intVal: 8080 } } } },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
              },
            ],
            ephemeralContainers: [{ inlineEphemeralContainerCommon: { name: "debug", image: "busybox", stdin: true }, targetContainerName: "app" }],
          },
        },
      },
    });
    const json = decode(protobufBody("apps/v1", "Deployment", apps.Deployment.encode(message).finish()), deployments);
    assert.deepEqual(json, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", creationTimestamp: "2024-05-01T12:00:00Z", deletionGracePeriodSeconds: 0, labels: { app: "web" } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            volumes: [
              { name: "scratch", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
              { name: "settings", configMap: { name: "cfg", defaultMode: 0o400, optional: false } },
            ],
            containers: [
              {
                name: "app",
                image: "busybox",
                env: [{ name: "MODE" }, { name: "KEY", valueFrom: { secretKeyRef: { name: "creds", key: "k", optional: true } } }],
                resources: { limits: { cpu: "100m", memory: "0" } },
                livenessProbe: { tcpSocket: { port: 8080 } },
                readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
                securityContext: { capabilities: { drop: ["ALL"] }, allowPrivilegeEscalation: false },
              },
            ],
            ephemeralContainers: [{ name: "debug", image: "busybox", stdin: true, targetContainerName: "app" }],
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 0,
            securityContext: { runAsUser: 0, supplementalGroups: [1000, 2000] },
          },
        },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
      },
    });
  });

  test("bytes are base64 (Secret data, ConfigMap binaryData), maps are objects, every key an own property", () => {
    const secret = core.Secret.fromPartial({
      metadata: { name: "db" },
      type: "Opaque",
      immutable: false,
      data: new Map([
        ["password", Buffer.from("s3cr€t")],
        ["empty", Buffer.alloc(0)],
        ["__proto__", Buffer.from("x")],
      ]),
      stringData: new Map([["user", "admin"]]),
    });
    const json = decode(protobufBody("v1", "Secret", core.Secret.encode(secret).finish()), secrets);
    assert.deepEqual(json, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db" },
      immutable: false,
      data: JSON.parse('{"password":"czNjcuKCrHQ=","empty":"","__proto__":"eA=="}'),
      stringData: { user: "admin" },
      type: "Opaque",
    });
    assert.ok(Object.hasOwn(json.data as object, "__proto__"), "a key named __proto__ is data like any other");

    const configMap = core.ConfigMap.fromPartial({ metadata: { name: "cfg" }, data: new Map([["a", "1"]]), binaryData: new Map([["blob", Buffer.from([0, 1, 254, 255])]]) });
    const cm = decodeProtobufObject(protobufBody("v1", "ConfigMap", core.ConfigMap.encode(configMap).finish()), mustResource("configmaps"));
    assert.deepEqual(cm, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" }, data: { a: "1" }, binaryData: { blob: "AAH+/w==" } });
  });

  test("Job, CronJob and Ingress: pointers at false and zero kept, inline rule values merged", () => {
    const template = { spec: { restartPolicy: "Never", containers: [{ name: "job", image: "busybox" }] } };
    const job = batch.Job.fromPartial({ metadata: { name: "once" }, spec: { backoffLimit: 0, suspend: false, completions: 1, template } });
    assert.deepEqual(decodeProtobufObject(protobufBody("batch/v1", "Job", batch.Job.encode(job).finish()), mustResource("jobs")), {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "once" },
      spec: { completions: 1, backoffLimit: 0, template: { spec: { containers: [{ name: "job", image: "busybox" }], restartPolicy: "Never" } }, suspend: false },
    });

    const cronJob = batch.CronJob.fromPartial({
      metadata: { name: "tick" },
      spec: { schedule: "*/1 * * * *", startingDeadlineSeconds: 0, jobTemplate: { metadata: {}, spec: { template } } },
    });
    assert.deepEqual(decodeProtobufObject(protobufBody("batch/v1", "CronJob", batch.CronJob.encode(cronJob).finish()), mustResource("cronjobs")), {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "tick" },
      spec: {
        schedule: "*/1 * * * *",
        startingDeadlineSeconds: 0,
        jobTemplate: { metadata: {}, spec: { template: { spec: { containers: [{ name: "job", image: "busybox" }], restartPolicy: "Never" } } } },
      },
    });

    const ingress = networking.Ingress.fromPartial({
      metadata: { name: "site" },
      spec: {
        ingressClassName: "bosun",
        rules: [
          {
            host: "a.example",
            inlineIngressRuleValue: { http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } },
          },
        ],
      },
    });
    assert.deepEqual(decodeProtobufObject(protobufBody("networking.k8s.io/v1", "Ingress", networking.Ingress.encode(ingress).finish()), mustResource("ingresses")), {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "site" },
      spec: {
        ingressClassName: "bosun",
        rules: [{ host: "a.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }],
      },
    });
  });

  test("managedFields: the time as RFC 3339 and the field set as the JSON it holds", () => {
    const fieldsV1 = { "f:metadata": { "f:labels": { "f:app": {} } } };
    const namespace = core.Namespace.fromPartial({
      metadata: {
        name: "managed",
        managedFields: [
          { manager: "kubectl", operation: "Update", apiVersion: "v1", time: { seconds: 1700000000 }, fieldsType: "FieldsV1", fieldsV1: { raw: Buffer.from(JSON.stringify(fieldsV1)) } },
        ],
      },
    });
    assert.deepEqual(decode(protobufBody("v1", "Namespace", core.Namespace.encode(namespace).finish()), namespaces).metadata, {
      name: "managed",
      managedFields: [{ manager: "kubectl", operation: "Update", apiVersion: "v1", time: "2023-11-14T22:13:20Z", fieldsType: "FieldsV1", fieldsV1 }],
    });
  });

  test("an envelope without apiVersion and kind is the kind of the request, as in Kubernetes", () => {
    const raw = core.Namespace.encode(core.Namespace.fromPartial({ metadata: { name: "implied" } })).finish();
    assert.deepEqual(decode(protobufBody("", "", raw), namespaces), { apiVersion: "v1", kind: "Namespace", metadata: { name: "implied" } });
  });

  test("bodies that are not Kubernetes protobuf, or are cut short, are 400 saying so", () => {
    const namespace = core.Namespace.encode(core.Namespace.fromPartial({ metadata: { name: "cut", labels: new Map([["a", "b"]]) } })).finish();
    const whole = protobufBody("v1", "Namespace", namespace);

    const json = refusal(Buffer.from('{"kind":"Namespace"}'), namespaces);
    assert.equal(json.code, 400);
    assert.match(json.message, /not Kubernetes protobuf: it does not begin with the bytes "k8s\\0"/);
    assert.match(refusal(Buffer.alloc(0), namespaces).message, /does not begin with the bytes/);
    assert.match(refusal(Buffer.from("k8s\0", "latin1"), namespaces).message, /ends after its "k8s\\0" prefix/);

    const envelopeCut = refusal(whole.subarray(0, 10), namespaces);
    assert.equal(envelopeCut.code, 400);
    assert.match(envelopeCut.message, /malformed: its envelope \(runtime\.Unknown\) cannot be decoded \(.+\); the body is cut short/);

    // The envelope is whole, the Namespace inside it is not.
    const messageCut = refusal(protobufBody("v1", "Namespace", namespace.subarray(0, namespace.length - 2)), namespaces);
    assert.equal(messageCut.code, 400);
    assert.match(messageCut.message, /malformed: its Namespace cannot be decoded/);

    // A zero where a field's tag belongs: the decoder stops after reading it.
    const trailing = refusal(protobufBody("v1", "Namespace", Buffer.concat([namespace, Buffer.from([0, 7, 7])])), namespaces);
    assert.equal(trailing.code, 400);
    assert.match(trailing.message, new RegExp(`its Namespace stops at byte ${namespace.length + 1} of ${namespace.length + 3}; the rest is not protobuf`));

    const encoded = refusal(protobufBody("v1", "Namespace", namespace, { contentEncoding: "gzip" }), namespaces);
    assert.deepEqual([encoded.code, encoded.message], [400, 'the protobuf request body says its object is encoded as "gzip", which Bosun does not decode: send it without a content encoding']);
  });

  test("a kind the resource does not serve is 400; a kind Bosun does not decode is 415 with the way around", () => {
    const secret = core.Secret.encode(core.Secret.fromPartial({ metadata: { name: "s" } })).finish();
    const mismatch = refusal(protobufBody("v1", "Secret", secret), namespaces);
    assert.deepEqual([mismatch.code, mismatch.message], [400, "the protobuf request body holds a Secret (v1), but namespaces are Namespace (v1): send a Namespace, or send the Secret to its own resource"]);
    const version = refusal(protobufBody("apps/v1beta1", "Deployment", Buffer.alloc(0)), deployments);
    assert.equal(version.code, 400);
    assert.match(version.message, /holds a Deployment \(apps\/v1beta1\), but deployments are Deployment \(apps\/v1\)/);

    const pod = refusal(protobufBody("v1", "Pod", Buffer.alloc(0)), mustResource("pods"));
    assert.equal(pod.code, 415);
    assert.match(pod.message, /Bosun decodes Kubernetes protobuf for Namespace, ConfigMap, Secret, Service, ServiceAccount, TokenRequest, Deployment, Job, CronJob, PodDisruptionBudget, PriorityClass and Ingress, not for Pod/);
    assert.match(pod.message, /kubectl create -f <file>/);
  });

  test("a field Bosun's messages do not have is refused naming it; one at its zero value is no setting and passes", () => {
    const deployment = (unknown: Uint8Array) => {
      const message = apps.Deployment.fromPartial({ metadata: { name: "newer" }, spec: { template: { spec: { containers: [{ name: "app", image: "busybox" }] } } } });
      message.spec!.template!.spec!.containers[0]._unknownFields = { [(99 << 3) | 2]: [unknown] };
      return apps.Deployment.encode(message).finish();
    };
    // A length-delimited field 99: "x", then the empty value a Go value field at its zero is written as.
    const set = refusal(protobufBody("apps/v1", "Deployment", deployment(Uint8Array.of(1, 0x78))), deployments);
    assert.deepEqual(
      [set.code, set.message],
      [
        400,
        "the protobuf request body sets field 99 of Container at spec.template.spec.containers[0], which Bosun does not know (it decodes the fields of Kubernetes 1.36):" +
          " send the object as JSON or YAML, where Bosun names each field it does not support",
      ],
    );
    const zero = decode(protobufBody("apps/v1", "Deployment", deployment(Uint8Array.of(0))), deployments);
    assert.deepEqual(zero.spec, { template: { spec: { containers: [{ name: "app", image: "busybox" }] } } });
  });

  test("values no JSON can hold are 400 naming where they are", () => {
    const port = (intOrString: Partial<meta.IntOrString>) =>
      core.Service.encode(core.Service.fromPartial({ metadata: { name: "p" }, spec: { ports: [{ port: 80, targetPort: intOrString }] } })).finish();
    const badType = refusal(protobufBody("v1", "Service", port({ type: 2, intVal: 1 })), services);
    assert.deepEqual([badType.code, badType.message], [400, "the protobuf request body holds an IntOrString of type 2 at spec.ports[0].targetPort: 0 (a number) or 1 (a string) are the only types"]);

    const notJson = core.Namespace.fromPartial({ metadata: { name: "m", managedFields: [{ manager: "x", fieldsV1: { raw: Buffer.from("{nope") } }] } });
    const fields = refusal(protobufBody("v1", "Namespace", core.Namespace.encode(notJson).finish()), namespaces);
    assert.equal(fields.code, 400);
    assert.match(fields.message, /^the protobuf request body's metadata\.managedFields\[0\]\.fieldsV1 is not JSON: /);
  });
});
