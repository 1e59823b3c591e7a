// The tests' private Redis Cluster: the package's testing entry (src/testing/).
export { type ClusterNode, startCluster, type TestCluster } from "../../src/testing/index.js";
