// The `kubernetes` Service: every apiserver keeps it, with the first address of the
// service range, and its Endpoints and EndpointSlice list every apiserver that
// serves (addresses of TEST-NET-1, never dialled); one that closes leaves them at
// once; one advertised on loopback, which pods cannot reach, is not listed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { EndpointSlice, Endpoints, Service } from "@bosun/api";
import { createApiServer } from "../src/server.js";
import { apiServerForSuite, call, testPki } from "../src/testing/index.js";

describe("the kubernetes Service", () => {
  const api = apiServerForSuite({ advertiseAddress: "192.0.2.10" });
  const port = () => Number(new URL(api.url).port);

  test("is made at start with the first service address and this apiserver as its endpoint", async () => {
    const svc = await call<Service>(api.url, "GET", "/api/v1/namespaces/default/services/kubernetes");
    assert.equal(svc.status, 200);
    assert.equal(svc.body.spec?.clusterIP, "10.96.0.1");
    assert.deepEqual(svc.body.spec?.ports, [{ name: "https", protocol: "TCP", port: 443, targetPort: port() }]);
    assert.equal(svc.body.spec?.selector, undefined, "no selector: the endpoint controllers leave it alone");
    const ep = await call<Endpoints>(api.url, "GET", "/api/v1/namespaces/default/endpoints/kubernetes");
    assert.deepEqual(ep.body.subsets, [{ addresses: [{ ip: "192.0.2.10" }], ports: [{ name: "https", port: port(), protocol: "TCP" }] }]);
    const slice = await call<EndpointSlice>(api.url, "GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes");
    assert.equal(slice.body.metadata.labels?.["kubernetes.io/service-name"], "kubernetes");
    assert.deepEqual(slice.body.endpoints, [{ addresses: ["192.0.2.10"], conditions: { ready: true } }]);
  });

  test("a second apiserver joins the endpoints and leaves them when it closes", async () => {
    const pki = await testPki();
    const second = await createApiServer({
      etcdEndpoints: [api.server.etcd.endpoint],
      prefix: "/registry",
      tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert },
      advertiseAddress: "192.0.2.11",
    });
    try {
      await second.listen("127.0.0.1", 0);
      const ep = await call<Endpoints>(api.url, "GET", "/api/v1/namespaces/default/endpoints/kubernetes");
      assert.deepEqual(ep.body.subsets?.[0]?.addresses, [{ ip: "192.0.2.10" }, { ip: "192.0.2.11" }]);
    } finally {
      await second.close();
    }
    const after = await call<Endpoints>(api.url, "GET", "/api/v1/namespaces/default/endpoints/kubernetes");
    assert.deepEqual(after.body.subsets?.[0]?.addresses, [{ ip: "192.0.2.10" }]);
  });

  test("an apiserver advertised on loopback keeps the Service but is not listed", async () => {
    const pki = await testPki();
    const local = await createApiServer({
      etcdEndpoints: [api.server.etcd.endpoint],
      prefix: "/registry",
      tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert },
      advertiseAddress: "127.0.0.1",
    });
    try {
      await local.listen("127.0.0.1", 0);
      const ep = await call<Endpoints>(api.url, "GET", "/api/v1/namespaces/default/endpoints/kubernetes");
      assert.deepEqual(ep.body.subsets?.[0]?.addresses, [{ ip: "192.0.2.10" }]);
    } finally {
      await local.close();
    }
  });
});
