/** The real network-sim as a child process for the connector's tests: the shared launcher of @acq/testkit. */
export { type NetworkSimProcess, networkSimAvailable, startNetworkSim } from '@acq/testkit';
