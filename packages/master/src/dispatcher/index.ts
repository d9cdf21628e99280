export { startDispatcher, type Dispatcher, type DispatcherOptions } from "./dispatcher.js";
export { agentEndpointAnnotation, kubeletVersion } from "./node-object.js";
