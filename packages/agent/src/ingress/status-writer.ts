// Writes where the Ingresses of class bosun are served: status.loadBalancer.ingress,
// the addresses of the nodes whose agents run an ingress proxy (they carry the
// label below). Every such agent computes the same list from the same informers, so
// their writes agree, and a write happens only when the status differs.
import { createLogger, type ApiClient } from "@bosun/client";
import { mustResource, type Ingress, type IngressClass, type Node } from "@bosun/api";
import { bosunIngresses } from "./routes.js";
import { ingressLoadBalancerIngress, loadBalancerIngressEqual } from "./status.js";

const log = createLogger("agent/ingress");

/** On the Node of an agent that runs an ingress proxy. */
export const ingressProxyLabel = "ingress.bosun.io/proxy";

export interface IngressStatusView {
  ingresses: readonly Ingress[];
  ingressClasses: readonly IngressClass[];
  nodes: readonly Node[];
}

export class IngressStatusWriter {
  private readonly failing = new Set<string>();

  constructor(private readonly client: ApiClient) {}

  /** Brings each served Ingress's status to the proxies' addresses. */
  async sync(view: IngressStatusView): Promise<void> {
    const wanted = ingressLoadBalancerIngress(view.nodes.filter((n) => n.metadata.labels?.[ingressProxyLabel] === "true"));
    for (const ingress of bosunIngresses(view.ingresses, view.ingressClasses)) {
      if (loadBalancerIngressEqual(ingress.status?.loadBalancer?.ingress, wanted)) continue;
      const key = `${ingress.metadata.namespace}/${ingress.metadata.name}`;
      try {
        await this.client.patch(mustResource("ingresses"), ingress.metadata.name ?? "", { status: { loadBalancer: { ingress: wanted } } }, { namespace: ingress.metadata.namespace, subresource: "status" });
        this.failing.delete(key);
      } catch (err) {
        if (!this.failing.has(key)) log.warn({ ingress: key, err: (err as Error).message }, "could not write where the Ingress is served; trying again at the next change");
        this.failing.add(key);
      }
    }
  }
}
