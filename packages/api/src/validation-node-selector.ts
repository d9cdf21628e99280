// A NodeSelector as Kubernetes' ValidateNodeSelector checks it
// (pkg/apis/core/validation): at least one term; label requirements with the
// values their operator needs, label keys and label values; field requirements
// only on metadata.name, with one node name each.
import { child, forbidden, index, invalidValue, required } from "./field-errors.js";
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from "./naming.js";
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm } from "./types/core.js";
import type { StatusCause } from "./types/meta.js";

/** The one node field a matchFields requirement may name. */
const nodeNameField = "metadata.name";

export function validateNodeSelector(selector: NodeSelector, path: string): StatusCause[] {
  const termsPath = child(path, "nodeSelectorTerms");
  if (selector.nodeSelectorTerms.length === 0) return [required(termsPath, "must have at least one node selector term")];
  return selector.nodeSelectorTerms.flatMap((term, i) => validateNodeSelectorTerm(term, index(termsPath, i)));
}

/** One term, as ValidateNodeSelectorTerm (also a preferred scheduling term's preference). */
export function validateNodeSelectorTerm(term: NodeSelectorTerm, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (term.matchExpressions ?? []).forEach((req, j) => causes.push(...labelRequirement(req, index(child(path, "matchExpressions"), j))));
  (term.matchFields ?? []).forEach((req, j) => causes.push(...fieldRequirement(req, index(child(path, "matchFields"), j))));
  return causes;
}

function labelRequirement(req: NodeSelectorRequirement, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const values = req.values ?? [];
  const valuesPath = child(path, "values");
  switch (req.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) causes.push(required(valuesPath, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case "Exists":
    case "DoesNotExist":
      if (values.length > 0) causes.push(forbidden(valuesPath, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case "Gt":
    case "Lt":
      if (values.length !== 1) causes.push(required(valuesPath, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
  }
  for (const msg of isQualifiedName(req.key)) causes.push(invalidValue(child(path, "key"), req.key, msg));
  values.forEach((value, i) => {
    for (const msg of isValidLabelValue(value)) causes.push(invalidValue(index(valuesPath, i), value, msg));
  });
  return causes;
}

function fieldRequirement(req: NodeSelectorRequirement, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const values = req.values ?? [];
  const valuesPath = child(path, "values");
  if (req.operator === "In" || req.operator === "NotIn") {
    if (values.length !== 1) {
      causes.push(required(valuesPath, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    }
  } else {
    causes.push(invalidValue(child(path, "operator"), req.operator, "not a valid selector operator"));
  }
  if (req.key !== nodeNameField) {
    causes.push(invalidValue(child(path, "key"), req.key, "not a valid field selector key"));
    return causes;
  }
  values.forEach((value, i) => {
    for (const msg of isDNS1123Subdomain(value)) causes.push(invalidValue(index(valuesPath, i), value, msg));
  });
  return causes;
}
