export { startTestEtcd, freePort, type TestEtcd } from "./etcd.js";
export { startTestApiServer, type TestApiServer } from "./apiserver.js";
export { call, testPod, WatchReader, type Reply } from "./http.js";
