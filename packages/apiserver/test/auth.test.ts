// Who may do what over HTTPS: anonymous requests reach only the public paths;
// bearer tokens from a token file and bootstrap (join) tokens stored as Secrets;
// a join token may only ask for a node certificate; a node certificate may read
// nodes, change its own Node, read and report only the pods bound to it, and read
// only the Secrets and ConfigMaps those pods use.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, type Dispatcher } from "undici";
import {
  createCertificateAuthority,
  createCertificateRequest,
  identityFromCertificate,
  nodesGroup,
  nodeUser,
  signCertificate,
  type KeyPair,
} from "@bosun/pki";
import { readTokenFile } from "../src/auth/token-file.js";
import { call, startTestApiServer, testPki, testPod, type Reply, type TestApiServer } from "../src/testing/index.js";

type Body = Record<string, unknown>;

const merge = "application/merge-patch+json";

/** A connection that trusts the test CA and presents `identity`, or no certificate at all. */
function connection(ca: string, identity?: KeyPair): Dispatcher {
  return new Agent({ connect: { ca, ...(identity ? { cert: identity.cert, key: identity.key } : {}) } });
}

let tokenSeq = 0;

/** kubeadm's bootstrap token Secret, as `bosun token create` stores it. */
function bootstrapSecret(expiration?: Date, usable = true): { token: string; secret: Body } {
  const id = `tok${String(++tokenSeq).padStart(3, "0")}`;
  const secret = `${id}${"s".repeat(10)}`;
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  const data: Record<string, string> = { "token-id": b64(id), "token-secret": b64(secret) };
  if (usable) data["usage-bootstrap-authentication"] = b64("true");
  if (expiration) data.expiration = b64(expiration.toISOString().replace(/\.\d{3}Z$/, "Z"));
  return {
    token: `${id}.${secret}`,
    secret: { apiVersion: "v1", kind: "Secret", metadata: { name: `bootstrap-token-${id}`, namespace: "kube-system" }, type: "bootstrap.kubernetes.io/token", data },
  };
}

function assertStatus(reply: Reply, code: number, reason: string, message?: RegExp): void {
  assert.equal(reply.status, code, JSON.stringify(reply.body));
  const body = reply.body as Body;
  assert.equal(body.kind, "Status");
  assert.equal(body.reason, reason);
  if (message) assert.match(String(body.message), message);
}

describe("authentication and authorization", () => {
  let api: TestApiServer;
  let url: string;
  let ca: KeyPair;
  let anonymous: Dispatcher;
  let tokenDir: string;
  const closers: Dispatcher[] = [];

  const as = (d: Dispatcher, method: string, path: string, body?: unknown, contentType?: string, headers?: Record<string, string>) =>
    call(url, method, path, body, contentType, headers, d);
  const bearer = (token: string, method: string, path: string, body?: unknown) =>
    call(url, method, path, body, "application/json", { authorization: `Bearer ${token}` }, anonymous);
  const withCertificate = (identity: KeyPair): Dispatcher => {
    const d = connection(ca.cert, identity);
    closers.push(d);
    return d;
  };

  /** A node certificate as a join gives it: the node's key, signed by the test CA. */
  async function nodeCertificate(name: string): Promise<KeyPair> {
    return signCertificate(ca, { commonName: nodeUser(name), organizations: [nodesGroup], sans: [name], usages: ["client", "server"], validityMs: 3_600_000 });
  }

  before(async () => {
    tokenDir = mkdtempSync(join(tmpdir(), "bosun-token-file-"));
    const tokenFile = join(tokenDir, "tokens.csv");
    writeFileSync(tokenFile, '# token,user,uid,groups\nalice-token-0123456789,alice,1001,"dev,ops"\n', { mode: 0o600 });
    api = await startTestApiServer({ staticTokens: readTokenFile(tokenFile) });
    url = api.url;
    ca = (await testPki()).ca;
    anonymous = connection(ca.cert);
    closers.push(anonymous);
    for (const name of ["n1", "n2"]) {
      assert.equal((await call(url, "POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name } })).status, 201);
    }
    assert.equal((await call(url, "POST", "/api/v1/namespaces/default/pods", testPod("on-n1", { nodeName: "n1" }))).status, 201);
    assert.equal((await call(url, "POST", "/api/v1/namespaces/default/pods", testPod("on-n2", { nodeName: "n2" }))).status, 201);
  });

  after(async () => {
    for (const d of closers) await d.close();
    await api?.stop();
    rmSync(tokenDir, { recursive: true, force: true });
  });

  test("an anonymous request is a 401 Status; health, version and the CA bundle are public", async () => {
    assertStatus(await as(anonymous, "GET", "/api/v1/pods"), 401, "Unauthorized");
    assertStatus(await as(anonymous, "GET", "/api"), 401, "Unauthorized");
    assertStatus(await as(anonymous, "POST", "/api/v1/namespaces/default/pods", testPod("sneaky")), 401, "Unauthorized");
    for (const path of ["/healthz", "/livez", "/readyz", "/version"]) {
      assert.equal((await as(anonymous, "GET", path)).status, 200, path);
    }
    assert.equal(((await as(anonymous, "GET", "/version")).body as Body).kind, undefined, "/version is the version, not a Status");
    const cacerts = await as(anonymous, "GET", "/cacerts");
    assert.equal(cacerts.status, 200);
    assert.equal(cacerts.body, ca.cert);
  });

  test("a client certificate of another CA is not trusted", async () => {
    const other = await createCertificateAuthority("another-cluster");
    const forged = await signCertificate(other, { commonName: "admin", organizations: ["system:masters"], usages: ["client"], validityMs: 3_600_000 });
    assertStatus(await as(withCertificate(forged), "GET", "/api/v1/pods"), 401, "Unauthorized");
  });

  test("a bearer token from the token file authenticates its user; an unknown or malformed one is a 401", async () => {
    const listed = await bearer("alice-token-0123456789", "GET", "/api/v1/namespaces/default/pods");
    assert.equal(listed.status, 200);
    assert.equal((listed.body as Body).kind, "PodList");
    const denied = await bearer("alice-token-0123456788", "GET", "/api/v1/namespaces/default/pods");
    assertStatus(denied, 401, "Unauthorized");
    assertStatus(await bearer("alice-token-0123456788", "GET", "/healthz"), 401, "Unauthorized", /Unauthorized/);
    const basic = await as(anonymous, "GET", "/api/v1/pods", undefined, undefined, { authorization: "Basic YWxpY2U6cGFzc3dvcmQ=" });
    assertStatus(basic, 401, "Unauthorized");
  });

  test("a bootstrap token may ask for a node certificate and nothing else", async () => {
    const { token, secret } = bootstrapSecret(new Date(Date.now() + 3_600_000));
    assert.equal((await call(url, "POST", "/api/v1/namespaces/kube-system/secrets", secret)).status, 201);
    const request = await createCertificateRequest(nodeUser("joiner"), [nodesGroup]);
    const signed = await bearer(token, "POST", "/v1-bosun/node-certificate", { nodeName: "joiner", csr: request.csr });
    assert.equal(signed.status, 201, JSON.stringify(signed.body));
    const { certificate, ca: bundle } = signed.body as { certificate: string; ca: string };
    assert.equal(bundle, ca.cert);
    assert.deepEqual(identityFromCertificate(certificate), { user: "system:node:joiner", groups: ["system:nodes"] });

    // The certificate works with the key the joiner kept: it is the node now.
    const joined = withCertificate({ cert: certificate, key: request.key });
    assert.equal((await as(joined, "GET", "/api/v1/nodes/n1")).status, 200);

    for (const [method, path] of [
      ["GET", "/api/v1/pods"],
      ["GET", "/api/v1/nodes"],
      ["GET", "/api"],
      ["GET", "/api/v1/namespaces/kube-system/secrets"],
    ] as const) {
      assertStatus(await bearer(token, method, path), 403, "Forbidden", /a join token may only be used to ask for a node certificate/);
    }
    assertStatus(await bearer(token, "POST", "/api/v1/namespaces/default/pods", testPod("from-a-token")), 403, "Forbidden");
    assert.equal((await call(url, "GET", "/api/v1/namespaces/default/pods/from-a-token")).status, 404, "nothing was written");
  });

  test("an expired, unusable or unknown bootstrap token is a 401", async () => {
    const expired = bootstrapSecret(new Date(Date.now() - 60_000));
    const unusable = bootstrapSecret(undefined, false);
    for (const { secret } of [expired, unusable]) {
      assert.equal((await call(url, "POST", "/api/v1/namespaces/kube-system/secrets", secret)).status, 201);
    }
    const request = await createCertificateRequest(nodeUser("late"), [nodesGroup]);
    for (const token of [expired.token, unusable.token, "abcdef.0123456789abcdef"]) {
      assertStatus(await bearer(token, "POST", "/v1-bosun/node-certificate", { nodeName: "late", csr: request.csr }), 401, "Unauthorized");
    }
    const wrongSecret = `${expired.token.split(".")[0]}.0123456789abcdef`;
    assertStatus(await bearer(wrongSecret, "GET", "/api/v1/pods"), 401, "Unauthorized");
  });

  test("a node reads nodes and changes only its own Node", async () => {
    const n1 = withCertificate(await nodeCertificate("n1"));
    assert.equal((await as(n1, "GET", "/api/v1/nodes")).status, 200);
    assert.equal((await as(n1, "GET", "/api/v1/nodes/n2")).status, 200);
    const own = await as(n1, "PATCH", "/api/v1/nodes/n1", { metadata: { labels: { zone: "a" } } }, merge);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    const other = await as(n1, "PATCH", "/api/v1/nodes/n2", { metadata: { labels: { zone: "a" } } }, merge);
    assertStatus(other, 403, "Forbidden", /User "system:node:n1" cannot patch resource "nodes".*may only change its own Node object \("n1"\)/);
    assertStatus(await as(n1, "DELETE", "/api/v1/nodes/n2"), 403, "Forbidden");
    const n2 = await call<{ metadata: { labels?: Record<string, string> } }>(url, "GET", "/api/v1/nodes/n2");
    assert.equal(n2.body.metadata.labels?.zone, undefined, "node n2 is unchanged");

    // Creating: its own Node only, as NodeRestriction allows a kubelet.
    const n3 = withCertificate(await nodeCertificate("n3"));
    const forged = await as(n3, "POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "someone-else" } });
    assertStatus(forged, 403, "Forbidden", /may only change its own Node object \("n3"\)/);
    assert.equal((await call(url, "GET", "/api/v1/nodes/someone-else")).status, 404, "nothing was created");
    assert.equal((await as(n3, "POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "n3" } })).status, 201);
  });

  test("a node lists and reads only the pods bound to it, and reports only their status", async () => {
    const n1 = withCertificate(await nodeCertificate("n1"));
    assertStatus(await as(n1, "GET", "/api/v1/pods"), 403, "Forbidden", /field selector spec.nodeName=n1/);
    assertStatus(await as(n1, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn2"), 403, "Forbidden");
    const mine = await as(n1, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1");
    assert.equal(mine.status, 200);
    assert.deepEqual((mine.body as { items: { metadata: { name: string } }[] }).items.map((p) => p.metadata.name), ["on-n1"]);

    assert.equal((await as(n1, "GET", "/api/v1/namespaces/default/pods/on-n1")).status, 200);
    assertStatus(await as(n1, "GET", "/api/v1/namespaces/default/pods/on-n2"), 403, "Forbidden", /not bound to node "n1"/);

    const status = { status: { phase: "Running", podIP: "10.244.1.5" } };
    const reported = await as(n1, "PATCH", "/api/v1/namespaces/default/pods/on-n1/status", status, merge);
    assert.equal(reported.status, 200, JSON.stringify(reported.body));
    assert.equal((reported.body as { status: { phase: string } }).status.phase, "Running");
    assertStatus(await as(n1, "PATCH", "/api/v1/namespaces/default/pods/on-n2/status", status, merge), 403, "Forbidden");
    assertStatus(await as(n1, "PATCH", "/api/v1/namespaces/default/pods/on-n1", { metadata: { labels: { x: "y" } } }, merge), 403, "Forbidden");
    assertStatus(await as(n1, "POST", "/api/v1/namespaces/default/pods", testPod("made-by-node", { nodeName: "n1" })), 403, "Forbidden");
    assertStatus(await as(n1, "GET", "/api/v1/namespaces/kube-system/secrets"), 403, "Forbidden");
    const untouched = await call<{ status?: { phase?: string } }>(url, "GET", "/api/v1/namespaces/default/pods/on-n2");
    assert.notEqual(untouched.body.status?.phase, "Running", "pod on-n2 is unchanged");
  });

  test("a node reads what its service proxy, DNS and ingress proxy serve from, and writes none of it", async () => {
    const n1 = withCertificate(await nodeCertificate("n1"));
    for (const path of [
      "/api/v1/services",
      "/api/v1/endpoints",
      "/apis/discovery.k8s.io/v1/endpointslices",
      "/api/v1/namespaces",
      "/apis/networking.k8s.io/v1/networkpolicies",
      "/apis/networking.k8s.io/v1/ingresses",
      "/apis/networking.k8s.io/v1/ingressclasses",
    ]) {
      assert.equal((await as(n1, "GET", path)).status, 200, path);
    }
    const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "from-node" }, spec: { ports: [{ port: 80 }] } };
    assertStatus(await as(n1, "POST", "/api/v1/namespaces/default/services", svc), 403, "Forbidden", /a node may only read services/);
    assertStatus(await as(n1, "DELETE", "/api/v1/namespaces/default/services/kubernetes"), 403, "Forbidden");
    assertStatus(await as(n1, "PATCH", "/api/v1/namespaces/default/services/kubernetes/status", { status: {} }, merge), 403, "Forbidden");
  });

  test("a node reads the Secrets an Ingress names for TLS, and no other, and writes ingresses' status", async () => {
    const n1 = withCertificate(await nodeCertificate("n1"));
    const secret = (name: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name }, type: "Opaque", data: { k: "dg==" } });
    assert.equal((await call(url, "POST", "/api/v1/namespaces/default/secrets", secret("site-tls"))).status, 201);
    assert.equal((await call(url, "POST", "/api/v1/namespaces/default/secrets", secret("unrelated"))).status, 201);
    const ingress = {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "site" },
      spec: { tls: [{ hosts: ["site.example"], secretName: "site-tls" }], defaultBackend: { service: { name: "web", port: { number: 80 } } } },
    };
    assert.equal((await call(url, "POST", "/apis/networking.k8s.io/v1/namespaces/default/ingresses", ingress)).status, 201);
    assert.equal((await as(n1, "GET", "/api/v1/namespaces/default/secrets/site-tls")).status, 200);
    assertStatus(await as(n1, "GET", "/api/v1/namespaces/default/secrets/unrelated"), 403, "Forbidden", /no relationship found between node 'n1' and this object: a node may only read the secrets its pods use \(or an Ingress names for TLS\)/);
    assertStatus(await as(n1, "GET", "/api/v1/namespaces/default/secrets"), 403, "Forbidden");
    const status = await as(n1, "PATCH", "/apis/networking.k8s.io/v1/namespaces/default/ingresses/site/status", { status: { loadBalancer: { ingress: [{ ip: "192.0.2.10" }] } } }, merge);
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assertStatus(await as(n1, "PATCH", "/apis/networking.k8s.io/v1/namespaces/default/ingresses/site", { metadata: { labels: { x: "y" } } }, merge), 403, "Forbidden");
  });

  test("a node reads the Secrets and ConfigMaps its pods use, one at a time, and no other", async () => {
    const ns = "refs";
    assert.equal((await call(url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })).status, 201);
    const make = async (resource: "secrets" | "configmaps", name: string) => {
      const body =
        resource === "secrets"
          ? { apiVersion: "v1", kind: "Secret", metadata: { name }, type: "Opaque", data: { k: "dg==" } }
          : { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: "v" } };
      assert.equal((await call(url, "POST", `/api/v1/namespaces/${ns}/${resource}`, body)).status, 201, `${resource}/${name}`);
    };
    for (const name of ["env-secret", "envfrom-secret", "other-node-secret", "unused-secret"]) await make("secrets", name);
    for (const name of ["env-cm", "envfrom-cm", "unused-cm"]) await make("configmaps", name);
    const pod = (name: string, nodeName: string, container: Record<string, unknown>) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: { nodeName, containers: [{ name: "main", image: "bosun.local/busybox:1", ...container }] },
    });
    const onN1 = pod("uses-refs", "n1", {
      env: [
        { name: "A", valueFrom: { secretKeyRef: { name: "env-secret", key: "k" } } },
        { name: "B", valueFrom: { configMapKeyRef: { name: "env-cm", key: "k" } } },
        // Named but not there yet: the node may look, and learns it is missing.
        { name: "C", valueFrom: { configMapKeyRef: { name: "not-yet", key: "k", optional: true } } },
      ],
      envFrom: [{ secretRef: { name: "envfrom-secret" } }, { prefix: "X_", configMapRef: { name: "envfrom-cm" } }],
    });
    const onN2 = pod("uses-other", "n2", { envFrom: [{ secretRef: { name: "other-node-secret" } }] });
    for (const p of [onN1, onN2]) assert.equal((await call(url, "POST", `/api/v1/namespaces/${ns}/pods`, p)).status, 201);

    const n1 = withCertificate(await nodeCertificate("n1"));
    const path = (resource: string, name = "") => `/api/v1/namespaces/${ns}/${resource}${name ? `/${name}` : ""}`;
    for (const [resource, name] of [["secrets", "env-secret"], ["secrets", "envfrom-secret"], ["configmaps", "env-cm"], ["configmaps", "envfrom-cm"]] as const) {
      const got = await as(n1, "GET", path(resource, name));
      assert.equal(got.status, 200, `${resource}/${name}: ${JSON.stringify(got.body)}`);
      const one = await as(n1, "GET", `${path(resource)}?fieldSelector=metadata.name%3D${name}`);
      assert.equal(one.status, 200, `list ${resource}/${name}: ${JSON.stringify(one.body)}`);
      assert.deepEqual((one.body as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name), [name]);
    }
    assertStatus(await as(n1, "GET", path("configmaps", "not-yet")), 404, "NotFound");

    const unrelated = /no relationship found between node 'n1' and this object/;
    assertStatus(await as(n1, "GET", path("secrets", "unused-secret")), 403, "Forbidden", unrelated);
    assertStatus(await as(n1, "GET", path("secrets", "other-node-secret")), 403, "Forbidden", unrelated);
    assertStatus(await as(n1, "GET", path("configmaps", "unused-cm")), 403, "Forbidden", /a node may only read the configmaps its pods use$/);
    assertStatus(await as(n1, "GET", `${path("configmaps")}?fieldSelector=metadata.name%3Dunused-cm`), 403, "Forbidden", unrelated);
    assertStatus(await as(n1, "GET", path("configmaps")), 403, "Forbidden", /one at a time: .*metadata.name=NAME/);
    assertStatus(await as(n1, "GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Denv-cm"), 403, "Forbidden", /one at a time/);
    assertStatus(await as(n1, "GET", `${path("secrets")}?fieldSelector=metadata.name%21%3Denv-secret`), 403, "Forbidden", /one at a time/);
    // Reading is all: a node changes none of them.
    assertStatus(await as(n1, "PATCH", path("configmaps", "env-cm"), { data: { k: "changed" } }, merge), 403, "Forbidden", /a node may only read configmaps/);
    assertStatus(await as(n1, "DELETE", path("secrets", "env-secret")), 403, "Forbidden", /a node may only read secrets/);
    assert.equal((await call<{ data: Record<string, string> }>(url, "GET", path("configmaps", "env-cm"))).body.data.k, "v", "unchanged");

    // Once the pod that used it is gone, so is the node's access.
    assert.equal((await call(url, "DELETE", `${path("pods", "uses-refs")}?gracePeriodSeconds=0`)).status, 200);
    assertStatus(await as(n1, "GET", path("secrets", "env-secret")), 403, "Forbidden", unrelated);
  });

  test("a node reads what its pods' volumes and imagePullSecrets use, and the volumes bound to their claims, and no other", async () => {
    const ns = "vols";
    assert.equal((await call(url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })).status, 201);
    const path = (resource: string, name = "") => `/api/v1/namespaces/${ns}/${resource}${name ? `/${name}` : ""}`;
    for (const name of ["vol-secret", "projected-secret", "pull-secret", "unused-secret"]) {
      assert.equal((await call(url, "POST", path("secrets"), { apiVersion: "v1", kind: "Secret", metadata: { name }, type: "Opaque", data: { k: "dg==" } })).status, 201);
    }
    for (const name of ["vol-cm", "projected-cm"]) {
      assert.equal((await call(url, "POST", path("configmaps"), { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: "v" } })).status, 201);
    }
    const claim = (name: string) => ({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "manual", volumeName: `pv-${name}`, resources: { requests: { storage: "1Gi" } } } });
    const volume = (name: string) => ({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], storageClassName: "manual", hostPath: { path: `/srv/${name}` } } });
    for (const name of ["used", "unused"]) {
      assert.equal((await call(url, "POST", path("persistentvolumeclaims"), claim(name))).status, 201);
      assert.equal((await call(url, "POST", "/api/v1/persistentvolumes", volume(`pv-${name}`))).status, 201);
    }
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "uses-volumes" },
      spec: {
        nodeName: "n1",
        imagePullSecrets: [{ name: "pull-secret" }],
        containers: [{ name: "main", image: "bosun.local/busybox:1" }],
        volumes: [
          { name: "a", secret: { secretName: "vol-secret" } },
          { name: "b", configMap: { name: "vol-cm" } },
          { name: "c", projected: { sources: [{ secret: { name: "projected-secret" } }, { configMap: { name: "projected-cm" } }] } },
          { name: "d", persistentVolumeClaim: { claimName: "used" } },
        ],
      },
    };
    assert.equal((await call(url, "POST", path("pods"), pod)).status, 201);

    const n1 = withCertificate(await nodeCertificate("n1"));
    const n2 = withCertificate(await nodeCertificate("n2"));
    for (const [resource, name] of [
      ["secrets", "vol-secret"],
      ["secrets", "projected-secret"],
      ["secrets", "pull-secret"],
      ["configmaps", "vol-cm"],
      ["configmaps", "projected-cm"],
      ["persistentvolumeclaims", "used"],
    ] as const) {
      const got = await as(n1, "GET", path(resource, name));
      assert.equal(got.status, 200, `${resource}/${name}: ${JSON.stringify(got.body)}`);
      assertStatus(await as(n2, "GET", path(resource, name)), 403, "Forbidden", /no relationship found between node 'n2'/);
    }
    assert.equal((await as(n1, "GET", "/api/v1/persistentvolumes/pv-used")).status, 200);
    assertStatus(await as(n1, "GET", path("secrets", "unused-secret")), 403, "Forbidden");
    assertStatus(await as(n1, "GET", path("persistentvolumeclaims", "unused")), 403, "Forbidden", /a node may only read the persistentvolumeclaims its pods use/);
    assertStatus(await as(n1, "GET", "/api/v1/persistentvolumes/pv-unused"), 403, "Forbidden", /a node may only read the persistentvolumes bound to the claims its pods use/);
    assertStatus(await as(n2, "GET", "/api/v1/persistentvolumes/pv-used"), 403, "Forbidden");
    assertStatus(await as(n1, "GET", "/api/v1/persistentvolumes"), 403, "Forbidden", /one at a time by name/);
    assertStatus(await as(n1, "DELETE", "/api/v1/persistentvolumes/pv-used"), 403, "Forbidden");
  });

  test("a node renews only its own certificate; an admin is not given node certificates", async () => {
    const n1 = withCertificate(await nodeCertificate("n1"));
    const request = await createCertificateRequest(nodeUser("n1"), [nodesGroup]);
    const renewed = await as(n1, "POST", "/v1-bosun/node-certificate", { nodeName: "n1", csr: request.csr });
    assert.equal(renewed.status, 201, JSON.stringify(renewed.body));
    assert.deepEqual(identityFromCertificate((renewed.body as { certificate: string }).certificate), { user: "system:node:n1", groups: ["system:nodes"] });

    const forN2 = await createCertificateRequest(nodeUser("n2"), [nodesGroup]);
    assertStatus(await as(n1, "POST", "/v1-bosun/node-certificate", { nodeName: "n2", csr: forN2.csr }), 403, "Forbidden", /may renew only its own certificate \("n1"\)/);
    assertStatus(await call(url, "POST", "/v1-bosun/node-certificate", { nodeName: "n2", csr: forN2.csr }), 403, "Forbidden", /given for a join token or to the node itself/);
    assertStatus(await as(anonymous, "POST", "/v1-bosun/node-certificate", { nodeName: "n2", csr: forN2.csr }), 401, "Unauthorized");
  });
});
