// The serviceaccounts controller, after Kubernetes' (pkg/controller/serviceaccount):
// every active namespace has a ServiceAccount "default", the one pods run as when
// they name none. A namespace that appears, or one whose "default" is deleted,
// is synced; the namespaces there were before the controller started come from
// its informer's first list, like any other.
import { defaultServiceAccountName, mustResource, type Namespace, type ServiceAccount } from "@bosun/api";
import { createLogger, isAlreadyExists, isNotFound, type Informer } from "@bosun/client";
import { QueueController, type ControllerContext } from "../common/index.js";
import { namespaceActive } from "./namespace-active.js";

const log = createLogger("controllers/serviceaccounts");

const namespacesRes = mustResource("namespaces");
const serviceAccountsRes = mustResource("serviceaccounts");

/** The accounts every namespace gets (Kubernetes' DefaultServiceAccountsControllerOptions). */
export const ensuredServiceAccounts = [defaultServiceAccountName];

export class ServiceAccountsController extends QueueController {
  readonly name = "serviceaccounts";
  private readonly namespaces: Informer<Namespace>;
  private readonly accounts: Informer<ServiceAccount>;

  constructor(ctx: ControllerContext) {
    super(ctx, 1);
    this.namespaces = ctx.informers.for<Namespace>(namespacesRes);
    this.accounts = ctx.informers.for<ServiceAccount>(serviceAccountsRes);
    const onNamespace = (ns: Namespace) => this.queue.add(ns.metadata.name ?? "");
    this.namespaces.onAdd(onNamespace).onUpdate((_old, ns) => onNamespace(ns));
    this.accounts.onDelete((sa) => {
      if (ensuredServiceAccounts.includes(sa.metadata.name ?? "")) this.queue.add(sa.metadata.namespace ?? "");
    });
  }

  protected async sync(namespace: string): Promise<void> {
    if (!namespaceActive(this.namespaces.get(namespace))) return;
    for (const name of ensuredServiceAccounts) {
      if (this.accounts.get(`${namespace}/${name}`)) continue;
      try {
        await this.ctx.client.create(serviceAccountsRes, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } } as ServiceAccount, namespace);
        log.info({ namespace, serviceAccount: name }, "created the namespace's service account");
      } catch (err) {
        // Made meanwhile (another master's controller before a handover), or the namespace went.
        if (isAlreadyExists(err) || isNotFound(err)) continue;
        throw err;
      }
    }
  }
}
