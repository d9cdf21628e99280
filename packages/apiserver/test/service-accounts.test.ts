// Service accounts in the apiserver: the ServiceAccount kind and its table; the
// ServiceAccount admission of new pods (the default account, a missing one refused
// in Kubernetes' words, the kube-api-access volume exactly as Kubernetes adds it,
// automount turned off by the pod or the account, the account's imagePullSecrets);
// the TokenRequest subresource (claims, bounds, binding to a pod); tokens as bearer
// credentials (refused once the bound pod is gone); and the Node authorizer's rule
// for tokens: a node gets tokens only for pods bound to it, of their own account.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Agent, type Dispatcher } from "undici";
import { createServiceAccountKey, nodesGroup, nodeUser, signCertificate, type KeyPair } from "@bosun/pki";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, runKubectl, startTestApiServer, testPki, testPod, type Reply, type TestApiServer } from "../src/testing/index.js";
import { defaultServiceAccountIssuer } from "../src/auth/service-account-tokens.js";

type Body = Record<string, unknown>;

/** A JWT's claims, read without checking them. */
function decodeJwt(token: string): Body & { iss?: string; sub?: string; aud?: string[]; exp?: number; iat?: number; nbf?: number } {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Body;
}
type PodBody = {
  metadata: { name: string; uid: string };
  spec: {
    serviceAccountName?: string;
    serviceAccount?: string;
    volumes?: Array<{ name: string; projected?: unknown }>;
    containers: Array<{ volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }> }>;
    imagePullSecrets?: Array<{ name: string }>;
  };
};

function assertStatus(reply: Reply, code: number, reason: string, message?: RegExp | string): void {
  assert.equal(reply.status, code, JSON.stringify(reply.body));
  const body = reply.body as Body;
  assert.equal(body.reason, reason);
  if (typeof message === "string") assert.equal(body.message, message);
  else if (message) assert.match(String(body.message), message);
}

const serviceAccount = (name: string, extra: Body = {}): Body => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name }, ...extra });
const tokenRequest = (spec: Body = {}): Body => ({ apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec });

describe("service accounts", () => {
  let api: TestApiServer;
  let url: string;
  let anonymous: Dispatcher;
  const closers: Dispatcher[] = [];
  const path = (ns: string, rest: string) => `/api/v1/namespaces/${ns}/${rest}`;
  const post = (p: string, body: unknown) => call(url, "POST", p, body);
  const bearer = (token: string, method: string, p: string) => call(url, method, p, undefined, "application/json", { authorization: `Bearer ${token}` }, anonymous);

  async function namespace(name: string, withDefault = true): Promise<string> {
    assert.equal((await post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } })).status, 201);
    // No controller runs here: the test makes what the serviceaccounts controller would.
    if (withDefault) assert.equal((await post(path(name, "serviceaccounts"), serviceAccount("default"))).status, 201);
    return name;
  }

  async function nodeConnection(node: string): Promise<Dispatcher> {
    const ca = (await testPki()).ca;
    const identity: KeyPair = await signCertificate(ca, { commonName: nodeUser(node), organizations: [nodesGroup], sans: [node], usages: ["client"], validityMs: 3_600_000 });
    const d = new Agent({ connect: { ca: ca.cert, cert: identity.cert, key: identity.key } });
    closers.push(d);
    return d;
  }

  before(async () => {
    api = await startTestApiServer({ serviceAccounts: { signingKey: createServiceAccountKey() } });
    url = api.url;
    anonymous = new Agent({ connect: { ca: (await testPki()).ca.cert } });
    closers.push(anonymous);
  });

  after(async () => {
    for (const d of closers) await d.close();
    await api?.stop();
  });

  test("kubectl 1.27 (JSON) and 1.33 (protobuf): create serviceaccount, get sa, create token with --duration and bound to a pod", async () => {
    const ns = await namespace("sa-kubectl");
    const made = await post(path(ns, "pods"), testPod("bound-to"));
    assert.equal(made.status, 201);
    const dir = mkdtempSync(join(tmpdir(), "bosun-sa-kubectl-"));
    try {
      for (const version of ["1.27", "1.33"]) {
        const kubectl = (...args: string[]) => runKubectl({ server: url, dir, version, cache: version }, "-n", ns, ...args);
        const robot = `robot-${version.replace(".", "-")}`;
        assert.match((await kubectl("create", "serviceaccount", robot)).stdout, new RegExp(`serviceaccount/${robot} created`));
        assert.match((await kubectl("get", "sa", robot)).stdout, new RegExp(`^NAME +SECRETS +AGE\\n${robot} +0 +\\d+s\\n$`));
        const token = (await kubectl("create", "token", robot, "--duration", "20m")).stdout.trim();
        const claims = decodeJwt(token);
        assert.equal(claims.sub, `system:serviceaccount:${ns}:${robot}`);
        assert.equal(claims.exp! - claims.iat!, 1200);
        assert.equal((await bearer(token, "GET", path(ns, "pods"))).status, 200);
        const bound = (await kubectl("create", "token", "default", "--bound-object-kind", "Pod", "--bound-object-name", "bound-to")).stdout.trim();
        assert.equal(((decodeJwt(bound)["kubernetes.io"] as Body).pod as Body).name, "bound-to");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a ServiceAccount is served with kubectl's table: NAME, SECRETS, AGE", async () => {
    const ns = await namespace("sa-table", false);
    const made = await post(path(ns, "serviceaccounts"), serviceAccount("builder", { secrets: [{ name: "a" }, { name: "b" }], automountServiceAccountToken: false }));
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((made.body as { metadata: Body }).metadata.generation, undefined, "ServiceAccounts have no generation in Kubernetes");
    const table = await call(url, "GET", path(ns, "serviceaccounts"), undefined, "application/json", { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    const body = table.body as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    assert.deepEqual(body.columnDefinitions.map((c) => c.name), ["Name", "Secrets", "Age"]);
    assert.deepEqual(body.rows[0]!.cells.slice(0, 2), ["builder", 2]);
  });

  test("a pod runs as default, gets the kube-api-access volume exactly as Kubernetes adds it, in every container", async () => {
    const ns = await namespace("sa-admit");
    const pod = testPod("web") as unknown as PodBody;
    pod.spec.containers.push({ volumeMounts: [] } as never);
    Object.assign(pod.spec.containers[1]!, { name: "side", image: "bosun.local/busybox:1" });
    const made = await post(path(ns, "pods"), pod);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const spec = (made.body as unknown as PodBody).spec;
    assert.equal(spec.serviceAccountName, "default");
    assert.equal(spec.serviceAccount, "default", "the deprecated alias reads back the same");
    assert.equal(spec.volumes?.length, 1);
    const volume = spec.volumes![0]!;
    assert.match(volume.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(volume.projected, {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
      ],
    });
    for (const c of spec.containers) {
      assert.deepEqual(c.volumeMounts, [{ name: volume.name, readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }]);
    }
  });

  test("what admission adds belongs to no manager: a server-side apply of the same pod again keeps the token volume", async () => {
    const ns = await namespace("sa-apply");
    const manifest = JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "applied" }, spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] } });
    const apply = () => call(url, "PATCH", `${path(ns, "pods/applied")}?fieldManager=tester`, manifest, "application/apply-patch+yaml");
    const first = await apply();
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const managed = JSON.stringify((first.body as { metadata: { managedFields?: unknown } }).metadata.managedFields);
    assert.doesNotMatch(managed, /kube-api-access|serviceAccount/, "admission's fields are nobody's");
    const again = await apply();
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal((again.body as unknown as PodBody).spec.volumes?.length, 1);
  });

  test("a pod naming a missing account is refused as Kubernetes refuses it; the alias serviceAccount names one too", async () => {
    const ns = await namespace("sa-missing");
    const pod = testPod("lost") as unknown as PodBody;
    pod.spec.serviceAccountName = "robot";
    assertStatus(await post(path(ns, "pods"), pod), 403, "Forbidden", `pods "lost" is forbidden: error looking up service account ${ns}/robot: serviceaccount "robot" not found`);
    assert.equal((await call(url, "GET", path(ns, "pods/lost"))).status, 404, "nothing was stored");
    assert.equal((await post(path(ns, "serviceaccounts"), serviceAccount("robot"))).status, 201);
    const old = testPod("old-client") as unknown as PodBody;
    old.spec.serviceAccount = "robot";
    const made = await post(path(ns, "pods"), old);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((made.body as unknown as PodBody).spec.serviceAccountName, "robot");
  });

  test("automount: the pod's choice wins over the account's, which wins over the default; the account's imagePullSecrets fill in", async () => {
    const ns = await namespace("sa-automount");
    assert.equal((await post(path(ns, "serviceaccounts"), serviceAccount("quiet", { automountServiceAccountToken: false, imagePullSecrets: [{ name: "registry" }] }))).status, 201);
    const volumesOf = async (name: string, spec: Body) => {
      const pod = testPod(name) as unknown as { spec: Body };
      Object.assign(pod.spec, spec);
      const made = await post(path(ns, "pods"), pod);
      assert.equal(made.status, 201, JSON.stringify(made.body));
      return (made.body as unknown as PodBody).spec;
    };
    assert.equal((await volumesOf("off", { automountServiceAccountToken: false })).volumes, undefined);
    const quiet = await volumesOf("quiet", { serviceAccountName: "quiet" });
    assert.equal(quiet.volumes, undefined);
    assert.deepEqual(quiet.imagePullSecrets, [{ name: "registry" }]);
    const asked = await volumesOf("asked", { serviceAccountName: "quiet", automountServiceAccountToken: true, imagePullSecrets: [{ name: "own" }] });
    assert.equal(asked.volumes?.length, 1);
    assert.deepEqual(asked.imagePullSecrets, [{ name: "own" }], "a pod's own pull secrets are kept");
    const mountedByHand = await volumesOf("by-hand", {
      volumes: [{ name: "mine", emptyDir: {} }],
      containers: [{ name: "main", image: "bosun.local/busybox:1", volumeMounts: [{ name: "mine", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }] }],
    });
    assert.deepEqual(mountedByHand.volumes?.map((v) => v.name), ["mine"], "a container that mounts the path itself needs no token volume");
  });

  test("TokenRequest issues a JWT with Kubernetes' claims, which the API accepts as the account", async () => {
    const ns = await namespace("sa-token");
    const account = (await call(url, "GET", path(ns, "serviceaccounts/default"))).body as { metadata: { uid: string } };
    const reply = await post(path(ns, "serviceaccounts/default/token"), tokenRequest({ expirationSeconds: 1200 }));
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const answer = reply.body as { kind: string; metadata: Body; spec: Body; status: { token: string; expirationTimestamp: string } };
    assert.equal(answer.kind, "TokenRequest");
    assert.equal(answer.metadata.name, "default");
    assert.deepEqual(answer.spec.audiences, [defaultServiceAccountIssuer]);
    const claims = decodeJwt(answer.status.token);
    assert.equal(claims.iss, defaultServiceAccountIssuer);
    assert.equal(claims.sub, `system:serviceaccount:${ns}:default`);
    assert.deepEqual(claims.aud, [defaultServiceAccountIssuer]);
    assert.equal(claims.exp! - claims.iat!, 1200);
    assert.equal(claims.nbf, claims.iat);
    assert.deepEqual(claims["kubernetes.io"], { namespace: ns, serviceaccount: { name: "default", uid: account.metadata.uid } });
    assert.equal(Date.parse(answer.status.expirationTimestamp) / 1000, claims.exp);
    const listed = await bearer(answer.status.token, "GET", path(ns, "pods"));
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assertStatus(await bearer(`${answer.status.token}x`, "GET", path(ns, "pods")), 401, "Unauthorized");
  });

  test("a token's life is bounded; a missing account is a 404; a token for another audience is not the API's", async () => {
    const ns = await namespace("sa-bounds");
    assertStatus(await post(path(ns, "serviceaccounts/default/token"), tokenRequest({ expirationSeconds: 60 })), 422, "Invalid", /spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);
    assertStatus(await post(path(ns, "serviceaccounts/nobody/token"), tokenRequest()), 404, "NotFound", 'serviceaccounts "nobody" not found');
    assertStatus(await post(path(ns, "serviceaccounts/default/token"), { ...tokenRequest(), metadata: { name: "other" } }), 422, "Invalid", /must match the service account name if specified/);
    const vault = await post(path(ns, "serviceaccounts/default/token"), tokenRequest({ audiences: ["vault"] }));
    assert.equal(vault.status, 201);
    assertStatus(await bearer((vault.body as { status: { token: string } }).status.token, "GET", path(ns, "pods")), 401, "Unauthorized");
  });

  test("a token bound to a pod dies with the pod; it must be the pod's own account", async () => {
    const ns = await namespace("sa-bound");
    const made = await post(path(ns, "pods"), testPod("holder"));
    const pod = made.body as unknown as PodBody;
    const bound = { kind: "Pod", apiVersion: "v1", name: "holder", uid: pod.metadata.uid };
    const reply = await post(path(ns, "serviceaccounts/default/token"), tokenRequest({ boundObjectRef: bound }));
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const token = (reply.body as { status: { token: string } }).status.token;
    assert.deepEqual((decodeJwt(token)["kubernetes.io"] as Body).pod, { name: "holder", uid: pod.metadata.uid });
    assert.equal((await bearer(token, "GET", path(ns, "pods"))).status, 200);

    assertStatus(await post(path(ns, "serviceaccounts/default/token"), tokenRequest({ boundObjectRef: { ...bound, uid: "not-it" } })), 409, "Conflict", /does not match the UID in record/);
    assert.equal((await post(path(ns, "serviceaccounts"), serviceAccount("other"))).status, 201);
    assertStatus(
      await post(path(ns, "serviceaccounts/other/token"), tokenRequest({ boundObjectRef: bound })),
      400,
      "BadRequest",
      'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.',
    );
    assertStatus(await post(path(ns, "serviceaccounts/default/token"), tokenRequest({ boundObjectRef: { kind: "Secret", apiVersion: "v1", name: "s" } })), 400, "BadRequest", /cannot bind token to object of type \/v1, Kind=Secret/);

    assert.equal((await call(url, "DELETE", path(ns, "pods/holder"))).status, 200);
    assertStatus(await bearer(token, "GET", path(ns, "pods")), 401, "Unauthorized");
  });

  test("a node gets tokens only for pods bound to it, of their own account, bound to the pod", async () => {
    const ns = await namespace("sa-node");
    for (const node of ["sa-n1", "sa-n2"]) assert.equal((await post("/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: node } })).status, 201);
    const made = await post(path(ns, "pods"), testPod("here", { nodeName: "sa-n1" }));
    const uid = (made.body as unknown as PodBody).metadata.uid;
    const n1 = await nodeConnection("sa-n1");
    const n2 = await nodeConnection("sa-n2");
    const ask = (d: Dispatcher, account: string, spec: Body) => call(url, "POST", path(ns, `serviceaccounts/${account}/token`), tokenRequest(spec), "application/json", {}, d);
    const bound = { kind: "Pod", apiVersion: "v1", name: "here", uid };

    const ok = await ask(n1, "default", { boundObjectRef: bound });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal((decodeJwt((ok.body as { status: { token: string } }).status.token)["kubernetes.io"] as { node?: Body }).node?.name, "sa-n1");
    assertStatus(await ask(n2, "default", { boundObjectRef: bound }), 403, "Forbidden", /node requested token bound to a pod scheduled on a different node/);
    assertStatus(await ask(n1, "default", {}), 403, "Forbidden", /node requested token not bound to a pod/);
    assertStatus(await ask(n1, "other", { boundObjectRef: bound }), 403, "Forbidden", /runs as service account "default"/);
    assertStatus(await call(url, "GET", path(ns, "serviceaccounts/default"), undefined, "application/json", {}, n1), 403, "Forbidden");
  });
});
