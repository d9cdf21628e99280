// The Ingress, IngressClass and NetworkPolicy tables, as Kubernetes' printIngress,
// printIngressClass and printNetworkPolicy compute them (the wide form the
// apiserver sends: addresses are not shortened).
import type { Ingress, IngressClass, IngressRule, IngressTLS, NetworkPolicy } from "../types/networking.js";
import { age } from "./age.js";
import { ageColumn, column, nameColumn, none, selectorText, type Printer } from "./columns.js";
import { loadBalancerText } from "./services.js";

/** HOSTS, as formatHosts: the first three hosts; "+ N more..." (N counting every rule past three) once a rule follows them; "*" when no rule names a host. */
export function ingressHostsText(rules: readonly IngressRule[] | undefined): string {
  const list: string[] = [];
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === 3) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return "*";
  return more ? `${list.join(",")} + ${(rules ?? []).length - 3} more...` : list.join(",");
}

/** PORTS: "80, 443" when the Ingress has TLS, "80" otherwise. */
export function ingressPortsText(tls: readonly IngressTLS[] | undefined): string {
  return (tls?.length ?? 0) > 0 ? "80, 443" : "80";
}

export const ingressPrinter: Printer<Ingress> = {
  columns: [
    nameColumn,
    column("Class", "string", "The name of the IngressClass resource that should be used for this Ingress"),
    column("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
    column("Address", "string", "Address is a list containing ingress points for the load-balancer"),
    column("Ports", "string", "Ports of TLS configurations that open"),
    ageColumn,
  ],
  cells: (ing, now) => [
    ing.metadata.name ?? "",
    ing.spec?.ingressClassName ?? none,
    ingressHostsText(ing.spec?.rules),
    loadBalancerText(ing.status?.loadBalancer?.ingress),
    ingressPortsText(ing.spec?.tls),
    age(ing.metadata.creationTimestamp, now),
  ],
};

export const ingressClassPrinter: Printer<IngressClass> = {
  columns: [
    nameColumn,
    column("Controller", "string", "Controller that is responsible for handling this class"),
    column("Parameters", "string", "A reference to a resource with additional parameters"),
    ageColumn,
  ],
  cells(ic, now) {
    const p = ic.spec?.parameters;
    const parameters = p ? `${p.kind}${p.apiGroup !== undefined ? `.${p.apiGroup}` : ""}/${p.name}` : none;
    return [ic.metadata.name ?? "", ic.spec?.controller ?? "", parameters, age(ic.metadata.creationTimestamp, now)];
  },
};

export const networkPolicyPrinter: Printer<NetworkPolicy> = {
  columns: [
    nameColumn,
    column(
      "Pod-Selector",
      "string",
      "podSelector selects the pods to which this NetworkPolicy object applies. The array of rules is applied to any pods selected by this field. An empty selector matches all pods in the policy's namespace. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is optional. If it is not specified, it defaults to an empty selector.",
    ),
    ageColumn,
  ],
  cells: (np, now) => [np.metadata.name ?? "", selectorText(np.spec?.podSelector ?? {}), age(np.metadata.creationTimestamp, now)],
};
