// The node's service proxy (kube-proxy's iptables mode): what the agent wires.
export { ServiceProxy, type ServiceProxyOptions, type ProxyNetwork } from "./proxier.js";
export { planProxyRules, type ProxyRulesInput, type ProxyRulesPlan } from "./rules.js";
export { removeServiceProxy, proxyCleanupInput } from "./cleanup.js";
export { proxyChainNames, type ProxyChainNames } from "./names.js";
