/** Real services as child processes for the card registry's tests: the shared launchers of @acq/testkit. */
export {
  freePort,
  type NetworkSimProcess,
  type ServiceProcess,
  startNetworkSim,
  startServiceProcess,
} from '@acq/testkit';
