// Network policy enforcement (networking.k8s.io/v1 NetworkPolicy): what the agent wires.
export { NetworkPolicyEnforcer, type NetworkPolicyEnforcerOptions } from "./enforcer.js";
export { policyPodFromPod, type PolicyInput, type PolicyPod, type PolicyNamespace, type PolicyNetwork, type NamedPort } from "./inputs.js";
export { planPolicyRules, type PolicyRulesPlan } from "./rules.js";
export { selectPolicies, type PolicySelection, type PodPolicy, type AllowMatch } from "./selection.js";
export { removeNetworkPolicy, policyCleanupInput } from "./cleanup.js";
export { policyChainNames, type PolicyChainNames } from "./names.js";
