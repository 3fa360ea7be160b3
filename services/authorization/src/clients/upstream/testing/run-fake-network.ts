/**
 * Runs the fake network as its own process (for the throughput benchmark, so the network's CPU is
 * not charged to the connector's event loop). Prints the listening address on stdout.
 */
import { FakeNetwork } from './fake-network.ts';
import { cupNetworkSpec } from '@acq/iso8583';

const network = await FakeNetwork.start(cupNetworkSpec, Number(process.env.FAKE_NETWORK_PORT ?? 0));
process.stdout.write(`${network.address}\n`);
// The benchmark's requests are not kept: recording 100k+ messages would measure the fake, not the link.
network.recordReceived = false;
process.on('SIGTERM', () => void network.close().then(() => process.exit(0)));
