// The node's ingress proxy (Ingresses of class "bosun"): what the agent wires.
export {
  IngressProxy,
  DEFAULT_INGRESS_ADDRESS,
  DEFAULT_INGRESS_HTTP_PORT,
  DEFAULT_INGRESS_HTTPS_PORT,
  DEFAULT_BACKEND_TIMEOUT_MS,
  type IngressProxyOptions,
  type IngressListenAddress,
} from "./server.js";
export { IngressRouter, type IngressObjects, type RouteDecision } from "./router.js";
export { bosunIngressClassName, isBosunIngress, bosunIngresses, bosunIsDefaultClass, buildRoutingTable, matchRoute, type RoutingTable, type RouteMatch, type RouteBackend } from "./routes.js";
export { ServiceBackends, type BackendEndpoint, type BackendResolution } from "./backends.js";
export { tlsKeyPairFromSecret, tlsSecretType, type TlsKeyPair, type TlsSecretRef } from "./tls.js";
export { ingressLoadBalancerIngress, ingressAddressOf, loadBalancerIngressEqual } from "./status.js";
