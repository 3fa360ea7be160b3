/**
 * Metrics of the simulator on the platform's OpenTelemetry meter (exported by @acq/telemetry in
 * Prometheus format on /metrics). Counters are incremented on the ISO hot path, so attributes are
 * few and bounded (MTI and response code).
 */
import type { Counter, Meter, UpDownCounter } from '@opentelemetry/api';
import type { NetworkSimulator } from '../simulator.ts';

export class SimulatorMetrics {
  readonly isoMessages: Counter;
  readonly isoFaults: Counter;
  readonly isoFramesRejected: Counter;
  readonly isoConnections: UpDownCounter;

  constructor(meter: Meter, simulator: NetworkSimulator) {
    this.isoMessages = meter.createCounter('acquirer.network_sim.iso.messages', {
      description: 'ISO 8583 requests answered, by request MTI and field 39',
    });
    this.isoFaults = meter.createCounter('acquirer.network_sim.iso.faults', {
      description: 'Faults injected on the ISO link, by kind',
    });
    this.isoFramesRejected = meter.createCounter('acquirer.network_sim.iso.frames_rejected', {
      description: 'ISO frames that could not be decoded or were refused, by reason',
    });
    this.isoConnections = meter.createUpDownCounter('acquirer.network_sim.iso.connections', {
      description: 'Open ISO 8583 connections',
    });
    meter
      .createObservableGauge('acquirer.network_sim.cards', { description: 'Cards the issuers hold' })
      .addCallback((result) => result.observe(simulator.cards.size));
    meter
      .createObservableGauge('acquirer.network_sim.approvals.retained', { description: 'Approvals kept in memory' })
      .addCallback((result) => result.observe(simulator.approvals.size));
    meter
      .createObservableGauge('acquirer.network_sim.approvals.evicted', {
        description: 'Approvals evicted from memory past the retention bound',
      })
      .addCallback((result) => result.observe(simulator.approvals.evictedCount));
  }
}
