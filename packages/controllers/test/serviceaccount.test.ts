// The serviceaccounts controller and the root CA publisher against a real
// apiserver and etcd: the namespaces that exist when they start and those made
// later get a ServiceAccount "default" and a ConfigMap kube-root-ca.crt holding the
// cluster CA; a deleted "default" comes back, and so does a ConfigMap edited or
// deleted by hand.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, rootCaConfigMapName, type ConfigMap, type ServiceAccount } from "@bosun/api";
import { isNotFound, type ApiClient } from "@bosun/client";
import { RootCaPublisher, ServiceAccountsController, rootCaDescription } from "../src/index.js";
import { createNamespace, startHarness, waitFor, type Harness } from "./controller-harness.js";

const serviceAccounts = mustResource("serviceaccounts");
const configMaps = mustResource("configmaps");
const rootCa = "-----BEGIN CERTIFICATE-----\ntest CA\n-----END CERTIFICATE-----\n";

async function maybe<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

const account = (client: ApiClient, ns: string) => maybe(() => client.get<ServiceAccount>(serviceAccounts, "default", ns));
const caMap = (client: ApiClient, ns: string) => maybe(() => client.get<ConfigMap>(configMaps, rootCaConfigMapName, ns));

let h: Harness;

before(async () => {
  h = await startHarness((ctx) => [new ServiceAccountsController(ctx), new RootCaPublisher(ctx, { rootCa })]);
});

after(async () => {
  await h?.stop();
});

test("namespaces that existed at start, and new ones, get the default account and the CA", async () => {
  for (const ns of ["default", "kube-system", await createNamespace(h.client, "sa-new")]) {
    await waitFor(`${ns}'s default account`, () => account(h.client, ns));
    const cm = await waitFor(`${ns}'s kube-root-ca.crt`, () => caMap(h.client, ns));
    assert.deepEqual(cm.data, { "ca.crt": rootCa });
    assert.equal(cm.metadata.annotations?.["kubernetes.io/description"], rootCaDescription);
  }
});

test("a deleted default account comes back, with a new uid", async () => {
  const ns = await createNamespace(h.client, "sa-deleted");
  const first = await waitFor("the default account", () => account(h.client, ns));
  await h.client.delete(serviceAccounts, "default", { namespace: ns });
  const second = await waitFor("a new default account", async () => {
    const now = await account(h.client, ns);
    return now && now.metadata.uid !== first.metadata.uid ? now : undefined;
  });
  assert.equal(second.metadata.name, "default");
});

test("kube-root-ca.crt edited or deleted by hand is put back", async () => {
  const ns = await createNamespace(h.client, "sa-ca-edited");
  const cm = await waitFor("the CA ConfigMap", () => caMap(h.client, ns));
  await h.client.update(configMaps, { ...cm, data: { "ca.crt": "forged", extra: "x" } });
  await waitFor("the CA restored", async () => {
    const now = await caMap(h.client, ns);
    return now && JSON.stringify(now.data) === JSON.stringify({ "ca.crt": rootCa }) ? now : undefined;
  });
  await h.client.delete(configMaps, rootCaConfigMapName, { namespace: ns });
  await waitFor("the CA made again", () => caMap(h.client, ns));
});
