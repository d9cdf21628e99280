// Services' cluster IPs and node ports: picked from the ranges when not asked for,
// taken when asked for and free, refused (422, nothing written) when held or out of
// range, kept across updates that leave them out, freed on delete; 50 Services
// created at once get 50 distinct ones.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { cidrContains, parseCidr, type Service } from "@bosun/api";
import { apiServerForSuite, call } from "../src/testing/index.js";
import { pickFree } from "../src/registry/service-allocation.js";

const services = "/api/v1/namespaces/default/services";

interface StatusBody {
  code: number;
  reason: string;
  message: string;
}

function service(name: string, spec: Service["spec"] = {}): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

const inServiceRange = (ip: string | undefined) => ip !== undefined && cidrContains(parseCidr("10.96.0.0/12"), parseCidr(`${ip}/32`));

describe("Service cluster IPs and node ports", () => {
  const api = apiServerForSuite();

  test("a Service that names no cluster IP gets one from the upper range; one that names a free one gets it", async () => {
    const auto = await call<Service>(api.url, "POST", services, service("auto"));
    assert.equal(auto.status, 201);
    const ip = auto.body.spec?.clusterIP;
    assert.ok(inServiceRange(ip), `${ip} lies in 10.96.0.0/12`);
    assert.ok(!ip?.startsWith("10.96.0."), "dynamic picks leave the lower band to those who name their own");
    assert.deepEqual(auto.body.spec?.clusterIPs, [ip]);
    assert.deepEqual(auto.body.spec?.ipFamilies, ["IPv4"]);
    assert.equal(auto.body.spec?.ipFamilyPolicy, "SingleStack");

    const named = await call<Service>(api.url, "POST", services, service("named", { clusterIP: "10.96.0.10" }));
    assert.equal(named.status, 201);
    assert.equal(named.body.spec?.clusterIP, "10.96.0.10");
  });

  test("a held or out-of-range cluster IP is refused by name and nothing is written", async () => {
    assert.equal((await call(api.url, "POST", services, service("holder", { clusterIP: "10.96.0.20" }))).status, 201);
    const taken = await call<StatusBody>(api.url, "POST", services, service("copycat", { clusterIP: "10.96.0.20" }));
    assert.equal(taken.status, 422);
    assert.equal(taken.body.message, 'Service "copycat" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.0.20": failed to allocate IP 10.96.0.20: provided IP is already allocated');
    assert.equal((await call(api.url, "GET", `${services}/copycat`)).status, 404);

    const outside = await call<StatusBody>(api.url, "POST", services, service("outside", { clusterIP: "192.168.7.7" }));
    assert.equal(outside.status, 422);
    assert.match(outside.body.message, /spec\.clusterIPs: Invalid value: \["192\.168\.7\.7"\]: failed to allocate IP 192\.168\.7\.7: the provided IP \(192\.168\.7\.7\) is not in the valid range\. The range of valid IPs is 10\.96\.0\.0\/12/);
    assert.equal((await call(api.url, "GET", `${services}/outside`)).status, 404);

    assert.equal((await call(api.url, "DELETE", `${services}/holder`)).status, 200);
    assert.equal((await call(api.url, "POST", services, service("successor", { clusterIP: "10.96.0.20" }))).status, 201, "a deleted Service's IP is free again");
  });

  test("NodePort Services get node ports; held and out-of-range ports are refused", async () => {
    const np = await call<Service>(api.url, "POST", services, service("np", { type: "NodePort", ports: [{ name: "http", port: 80 }, { name: "dns", port: 53, protocol: "UDP" }] }));
    assert.equal(np.status, 201, JSON.stringify(np.body));
    const ports = (np.body.spec?.ports ?? []).map((p) => p.nodePort ?? 0);
    assert.equal(ports.length, 2);
    for (const p of ports) assert.ok(p >= 30000 && p <= 32767, `${p} in 30000-32767`);
    assert.notEqual(ports[0], ports[1]);

    const fixed = await call<Service>(api.url, "POST", services, service("fixed", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(fixed.status, 201);
    const again = await call<StatusBody>(api.url, "POST", services, service("again", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(again.status, 422);
    assert.equal(again.body.message, 'Service "again" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    const far = await call<StatusBody>(api.url, "POST", services, service("far", { type: "NodePort", ports: [{ port: 80, nodePort: 40000 }] }));
    assert.equal(far.status, 422);
    assert.match(far.body.message, /spec\.ports\[0\]\.nodePort: Invalid value: 40000: provided port is not in the valid range\. The range of valid ports is 30000-32767/);
  });

  test("an update that leaves the cluster IP and node ports out keeps them; leaving NodePort frees the ports", async () => {
    const created = await call<Service>(api.url, "POST", services, service("kept", { type: "NodePort" }));
    assert.equal(created.status, 201);
    const ip = created.body.spec?.clusterIP;
    const nodePort = created.body.spec?.ports?.[0]?.nodePort;
    // As `kubectl apply` or a PUT of the original manifest sends it: no clusterIP, no nodePort.
    const put = await call<Service>(api.url, "PUT", `${services}/kept`, { ...service("kept", { type: "NodePort" }), metadata: { name: "kept", resourceVersion: created.body.metadata.resourceVersion } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.spec?.clusterIP, ip);
    assert.equal(put.body.spec?.ports?.[0]?.nodePort, nodePort);

    const toClusterIP = await call<Service>(api.url, "PATCH", `${services}/kept`, { spec: { type: "ClusterIP" } }, "application/merge-patch+json");
    assert.equal(toClusterIP.status, 200, JSON.stringify(toClusterIP.body));
    assert.equal(toClusterIP.body.spec?.ports?.[0]?.nodePort, undefined, "the node port is let go");
    const reuse = await call(api.url, "POST", services, service("reuse", { type: "NodePort", ports: [{ port: 80, nodePort }] }));
    assert.equal(reuse.status, 201, "and free for another Service");
  });

  test("deleting a namespace frees its Services' cluster IPs and node ports", async () => {
    assert.equal((await call(api.url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "doomed" } })).status, 201);
    const inDoomed = "/api/v1/namespaces/doomed/services";
    assert.equal((await call(api.url, "POST", inDoomed, service("held", { type: "NodePort", clusterIP: "10.96.0.30", ports: [{ port: 80, nodePort: 30030 }] }))).status, 201);
    assert.equal((await call(api.url, "DELETE", "/api/v1/namespaces/doomed")).status, 200);
    const again = await call(api.url, "POST", services, service("heir", { type: "NodePort", clusterIP: "10.96.0.30", ports: [{ port: 80, nodePort: 30030 }] }));
    assert.equal(again.status, 201, JSON.stringify(again.body));
  });

  test("50 Services created at once get 50 distinct cluster IPs and node ports", async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call<Service>(api.url, "POST", services, service(`burst-${i}`, { type: "NodePort" }))),
    );
    for (const r of results) assert.equal(r.status, 201, JSON.stringify(r.body));
    const ips = new Set(results.map((r) => r.body.spec?.clusterIP));
    const ports = new Set(results.map((r) => r.body.spec?.ports?.[0]?.nodePort));
    assert.equal(ips.size, 50);
    assert.equal(ports.size, 50);
  });
});

test("pickFree prefers the upper part, then the lower band, and says when all are taken", () => {
  const taken = new Set<number>();
  for (let i = 0; i < 10; i++) {
    const v = pickFree(1, 20, 5, (x) => taken.has(x));
    assert.ok(v !== undefined && v >= 6, `${v} from the upper part`);
    taken.add(v);
  }
  for (let i = 0; i < 5; i++) {
    const v = pickFree(1, 20, 5, (x) => taken.has(x));
    assert.ok(v !== undefined && v >= 6);
    taken.add(v);
  }
  const lower = pickFree(1, 20, 5, (x) => taken.has(x));
  assert.ok(lower !== undefined && lower <= 5, "then the lower band");
  for (let v = 1; v <= 5; v++) taken.add(v);
  assert.equal(pickFree(1, 20, 5, (x) => taken.has(x)), undefined);
});
