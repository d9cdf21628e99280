// Ingresses, IngressClasses and a small cluster for the ingress proxy's tests, in
// the API's shapes. Services and EndpointSlices come from the service proxy's
// fixtures, so both proxies are tested on the same objects. Not a test file itself.
import {
  defaultIngressClassAnnotation,
  type HTTPIngressPath,
  type Ingress,
  type IngressBackend,
  type IngressClass,
  type IngressSpec,
  type PathType,
} from "@bosun/api";

export function ingress(name: string, spec: IngressSpec, opts: { namespace?: string; created?: string; annotations?: Record<string, string> } = {}): Ingress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name,
      namespace: opts.namespace ?? "default",
      ...(opts.created ? { creationTimestamp: opts.created } : {}),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec,
  };
}

/** A backend to Service `name` by port number or, given a string, by port name. */
export function backend(name: string, port: number | string = 80): IngressBackend {
  return { service: { name, port: typeof port === "number" ? { number: port } : { name: port } } };
}

export function path(value: string, pathType: PathType, to: IngressBackend): HTTPIngressPath {
  return { path: value, pathType, backend: to };
}

/** One rule of class "bosun" for `host` ("" for none) with `paths`. */
export function bosunIngress(name: string, host: string, paths: HTTPIngressPath[], extra: Partial<IngressSpec> = {}, created?: string): Ingress {
  return ingress(name, { ingressClassName: "bosun", rules: [{ ...(host ? { host } : {}), http: { paths } }], ...extra }, created ? { created } : {});
}

export function ingressClass(name: string, isDefault = false): IngressClass {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: { name, ...(isDefault ? { annotations: { [defaultIngressClassAnnotation]: "true" } } : {}) },
    spec: { controller: `example.com/${name}` },
  };
}
