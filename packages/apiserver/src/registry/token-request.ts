// POST .../serviceaccounts/{name}/token, as kube-apiserver's TokenREST: a
// TokenRequest (authentication.k8s.io/v1) is answered with a signed token of the
// account, for the audiences asked (the API's own by default), for
// expirationSeconds (an hour by default, 10 minutes to 2^32 s), bound, if asked,
// to a pod that runs as that account: the token then dies with the pod. Nothing
// is stored.
import {
  badRequest,
  conflict,
  defaultTokenExpirationSeconds,
  fieldErrors,
  invalid,
  isPlainObject,
  mustResource,
  rfc3339,
  tokenRequestSchema,
  validateObject,
  validateTokenRequest,
  type Node,
  type Pod,
  type ResourceInfo,
  type ServiceAccount,
  type TokenRequest,
} from "@bosun/api";
import { tokenClaims, type ServiceAccountTokenSettings } from "../auth/service-account-tokens.js";
import { StatusError } from "../errors.js";
import type { Registry } from "./registry.js";

const serviceAccounts = mustResource("serviceaccounts");
const pods = mustResource("pods");
const nodes = mustResource("nodes");
/** The TokenRequest as a kind of its own: what the subresource's body is checked and decoded as. */
export const tokenRequests: ResourceInfo = {
  ...serviceAccounts,
  group: "authentication.k8s.io",
  version: "v1",
  kind: "TokenRequest",
  schema: tokenRequestSchema,
  subresources: [],
};

/** A token for the account `name`; the TokenRequest with its status. */
export async function requestToken(
  registry: Registry,
  settings: ServiceAccountTokenSettings,
  namespace: string,
  name: string,
  body: unknown,
): Promise<TokenRequest> {
  if (!settings.signer) throw new StatusError(badRequest("this API server has no service-account signing key, so it cannot issue tokens; ask another master"));
  if (!isPlainObject(body)) throw new StatusError(badRequest("the request body must be a JSON object holding an authentication.k8s.io/v1 TokenRequest"));
  const request = structuredClone(body) as Record<string, unknown>;
  // The subresource takes one kind: a body that leaves it out means it.
  request.apiVersion ??= "authentication.k8s.io/v1";
  request.kind ??= "TokenRequest";
  request.spec ??= {};
  // Go clients write unset lists and pointers as null (kubectl's `"audiences": null`), which Go reads as unset.
  if (isPlainObject(request.spec)) for (const [key, value] of Object.entries(request.spec)) if (value === null) delete request.spec[key];
  const meta = (request.metadata ??= {});
  if (isPlainObject(meta)) {
    const causes = [];
    if (meta.name !== undefined && meta.name !== "" && meta.name !== name) {
      causes.push(fieldErrors.invalidValue("metadata.name", meta.name, "must match the service account name if specified"));
    }
    if (meta.namespace !== undefined && meta.namespace !== "" && meta.namespace !== namespace) {
      causes.push(fieldErrors.invalidValue("metadata.namespace", meta.namespace, "must match the service account namespace if specified"));
    }
    if (causes.length > 0) throw new StatusError(invalid(tokenRequests, name, causes));
    meta.name = name;
    meta.namespace = namespace;
  }
  delete request.status;
  const structural = validateObject(tokenRequests, request);
  if (structural.length > 0) throw new StatusError(invalid(tokenRequests, name, structural));
  const req = request as unknown as TokenRequest;

  const account = (await registry.get(serviceAccounts, namespace, name, false)) as ServiceAccount;
  const now = settings.now?.() ?? new Date();
  req.metadata.creationTimestamp = rfc3339(now);
  if ((req.spec.audiences ?? []).length === 0) req.spec.audiences = [...settings.audiences];
  req.spec.expirationSeconds ??= defaultTokenExpirationSeconds;
  const causes = validateTokenRequest(req);
  if (causes.length > 0) throw new StatusError(invalid(tokenRequests, "", causes));

  const { pod, node } = await boundObjects(registry, namespace, name, req);
  const expirationSeconds = req.spec.expirationSeconds;
  const token = await settings.signer.sign(tokenClaims(settings.issuer, { account, pod, node, audiences: req.spec.audiences ?? [], expirationSeconds, now }));
  req.status = { token, expirationTimestamp: rfc3339(new Date(now.getTime() + expirationSeconds * 1000)) };
  return req;
}

/** The pod a token is bound to (and its node), checked as Kubernetes checks it. */
async function boundObjects(registry: Registry, namespace: string, account: string, req: TokenRequest): Promise<{ pod?: Pod; node?: Node }> {
  const ref = req.spec.boundObjectRef;
  if (ref === undefined) return {};
  const apiVersion = ref.apiVersion ?? "";
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  if (group !== "" || ref.kind !== "Pod") {
    const version = apiVersion.includes("/") ? apiVersion.slice(apiVersion.indexOf("/") + 1) : apiVersion;
    throw new StatusError(badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${ref.kind ?? ""}: Bosun binds tokens to pods only`));
  }
  const pod = (await registry.get(pods, namespace, ref.name ?? "", false)) as Pod;
  if (pod.spec.serviceAccountName !== account) {
    throw new StatusError(badRequest(`cannot bind token for serviceaccount "${account}" to pod running with different serviceaccount name.`));
  }
  if (ref.uid !== undefined && ref.uid !== "" && ref.uid !== pod.metadata.uid) {
    const message = `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`;
    throw new StatusError(conflict({ ...pods, resource: "Pod" }, ref.name ?? "", message));
  }
  const nodeName = pod.spec.nodeName;
  if (!nodeName) return { pod };
  try {
    return { pod, node: (await registry.get(nodes, undefined, nodeName, true)) as Node };
  } catch (err) {
    if (err instanceof StatusError && err.status.code === 404) return { pod };
    throw err;
  }
}
