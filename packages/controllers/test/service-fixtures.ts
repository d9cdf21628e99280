// Services and pods for the Endpoints and EndpointSlice controllers' unit tests.
import type { ContainerPort, Pod, Service, ServicePort } from "@bosun/api";

export interface PodShape {
  ip?: string;
  ready?: boolean;
  labels?: Record<string, string>;
  ports?: ContainerPort[];
  deleting?: boolean;
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  hostname?: string;
  subdomain?: string;
  nodeName?: string;
  namespace?: string;
}

export function makePod(name: string, shape: PodShape = {}): Pod {
  const ready = shape.ready ?? true;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: shape.namespace ?? "default",
      uid: `uid-${name}`,
      labels: shape.labels ?? { app: "web" },
      ...(shape.deleting ? { deletionTimestamp: "2025-01-01T00:00:00Z" } : {}),
    },
    spec: {
      containers: [{ name: "main", image: "bosun.local/busybox:1", ...(shape.ports ? { ports: shape.ports } : {}) }],
      ...(shape.hostname ? { hostname: shape.hostname } : {}),
      ...(shape.subdomain ? { subdomain: shape.subdomain } : {}),
      ...(shape.nodeName ? { nodeName: shape.nodeName } : {}),
    },
    status: {
      phase: shape.phase ?? "Running",
      ...(shape.ip ? { podIP: shape.ip, podIPs: [{ ip: shape.ip }] } : {}),
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    },
  };
}

export interface ServiceShape {
  ports?: ServicePort[];
  selector?: Record<string, string>;
  publishNotReadyAddresses?: boolean;
  clusterIP?: string;
  labels?: Record<string, string>;
  uid?: string;
}

export function makeService(name: string, shape: ServiceShape = {}): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default", uid: shape.uid ?? `uid-svc-${name}`, ...(shape.labels ? { labels: shape.labels } : {}) },
    spec: {
      clusterIP: shape.clusterIP ?? "10.96.0.10",
      selector: shape.selector ?? { app: "web" },
      ports: shape.ports ?? [{ name: "http", protocol: "TCP", port: 80, targetPort: 8080 }],
      ...(shape.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
    },
  };
}

/** `count` ready pods web-000.. with addresses 10.244.<i/250>.<i%250+1>. */
export function manyPods(count: number, shape: PodShape = {}): Pod[] {
  return Array.from({ length: count }, (_, i) =>
    makePod(`web-${String(i).padStart(3, "0")}`, { ip: `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`, ...shape }),
  );
}
