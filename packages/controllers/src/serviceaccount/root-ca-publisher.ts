// The root CA publisher, after Kubernetes' root-ca-cert-publisher
// (pkg/controller/certificates/rootcacertpublisher): every active namespace holds a
// ConfigMap kube-root-ca.crt whose ca.crt is the cluster CA, so that pods (through
// their kube-api-access volume) can check the API's certificate. A ConfigMap
// changed or deleted by hand is put back.
import { mustResource, rootCaConfigMapName, semanticEqual, type ConfigMap, type Namespace } from "@bosun/api";
import { createLogger, isAlreadyExists, isNotFound, type Informer } from "@bosun/client";
import { QueueController, type ControllerContext } from "../common/index.js";
import { namespaceActive } from "./namespace-active.js";

const log = createLogger("controllers/root-ca-cert-publisher");

const namespacesRes = mustResource("namespaces");
const configMapsRes = mustResource("configmaps");

/** Kubernetes' annotation on the ConfigMap, word for word. */
export const rootCaDescriptionAnnotation = "kubernetes.io/description";
export const rootCaDescription =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

export interface RootCaPublisherOptions {
  /** The cluster CA's certificate (PEM). */
  rootCa: string;
}

export class RootCaPublisher extends QueueController {
  readonly name = "root-ca-cert-publisher";
  private readonly namespaces: Informer<Namespace>;
  private readonly configMaps: Informer<ConfigMap>;

  constructor(
    ctx: ControllerContext,
    private readonly opts: RootCaPublisherOptions,
  ) {
    super(ctx, 1);
    this.namespaces = ctx.informers.for<Namespace>(namespacesRes);
    this.configMaps = ctx.informers.for<ConfigMap>(configMapsRes);
    const onNamespace = (ns: Namespace) => this.queue.add(ns.metadata.name ?? "");
    this.namespaces.onAdd(onNamespace).onUpdate((_old, ns) => onNamespace(ns));
    const onConfigMap = (cm: ConfigMap) => {
      if (cm.metadata.name === rootCaConfigMapName) this.queue.add(cm.metadata.namespace ?? "");
    };
    this.configMaps.onUpdate((_old, cm) => onConfigMap(cm)).onDelete(onConfigMap);
  }

  private wanted(): Pick<ConfigMap, "data"> & { annotations: Record<string, string> } {
    return { data: { "ca.crt": this.opts.rootCa }, annotations: { [rootCaDescriptionAnnotation]: rootCaDescription } };
  }

  protected async sync(namespace: string): Promise<void> {
    if (!namespaceActive(this.namespaces.get(namespace))) return;
    const { data, annotations } = this.wanted();
    const current = this.configMaps.get(`${namespace}/${rootCaConfigMapName}`);
    if (current === undefined) {
      try {
        await this.ctx.client.create(configMapsRes, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: rootCaConfigMapName, namespace, annotations }, data } as ConfigMap, namespace);
        log.info({ namespace }, "published the cluster CA");
      } catch (err) {
        // Made meanwhile: its update event brings it back here if it differs. A namespace that went needs nothing.
        if (isAlreadyExists(err) || isNotFound(err)) return;
        throw err;
      }
      return;
    }
    const hasAnnotation = current.metadata.annotations?.[rootCaDescriptionAnnotation] === rootCaDescription;
    if (semanticEqual(current.data ?? {}, data) && current.binaryData === undefined && hasAnnotation) return;
    const next: ConfigMap = { ...current, metadata: { ...current.metadata, annotations: { ...(current.metadata.annotations ?? {}), ...annotations } }, data };
    delete next.binaryData;
    // A conflict (written meanwhile) throws and is retried on the newer version.
    await this.ctx.client.update(configMapsRes, next);
    log.info({ namespace }, "put the cluster CA back in the namespace's kube-root-ca.crt");
  }
}
