export { startTestEtcd, freePort, type TestEtcd, type TestEtcdOptions } from "./etcd.js";
export { startTestApiServer, type TestApiServer } from "./apiserver.js";
export { call, testPod, WatchReader, type Reply } from "./http.js";
export { kubectlCommand, runKubectl, type KubectlTarget } from "./kubectl.js";
export { apiServerForSuite, type SuiteApiServer } from "./suite.js";
export { testPki, startedTestPki, type TestPki } from "./pki.js";
export { protobufBody, protobufMediaType } from "./protobuf.js";
