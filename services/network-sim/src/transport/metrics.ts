/**
 * Prometheus metrics of the simulator (served on the admin port's /metrics). Counters are
 * incremented on the ISO hot path, so labels are few and bounded (MTI and response code).
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { NetworkSimulator } from '../simulator.ts';

export class SimulatorMetrics {
  readonly registry = new Registry();
  readonly isoMessages: Counter<'mti' | 'response_code'>;
  readonly isoFaults: Counter<'kind'>;
  readonly isoConnections: Gauge;
  readonly isoFramesRejected: Counter<'reason'>;

  constructor(simulator: NetworkSimulator) {
    collectDefaultMetrics({ register: this.registry, prefix: 'network_sim_' });
    this.isoMessages = new Counter({
      name: 'network_sim_iso_messages_total',
      help: 'ISO 8583 requests answered, by request MTI and field 39',
      labelNames: ['mti', 'response_code'],
      registers: [this.registry],
    });
    this.isoFaults = new Counter({
      name: 'network_sim_iso_faults_total',
      help: 'Faults injected on the ISO link, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.isoFramesRejected = new Counter({
      name: 'network_sim_iso_frames_rejected_total',
      help: 'ISO frames that could not be decoded or were refused',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.isoConnections = new Gauge({
      name: 'network_sim_iso_connections',
      help: 'Open ISO 8583 connections',
      registers: [this.registry],
    });
    new Gauge({
      name: 'network_sim_cards',
      help: 'Cards the issuers hold',
      registers: [this.registry],
      collect() {
        this.set(simulator.cards.size);
      },
    });
    new Gauge({
      name: 'network_sim_approvals_retained',
      help: 'Approvals kept in memory',
      registers: [this.registry],
      collect() {
        this.set(simulator.approvals.size);
      },
    });
    new Gauge({
      name: 'network_sim_approvals_evicted',
      help: 'Approvals evicted from memory past the retention bound',
      registers: [this.registry],
      collect() {
        this.set(simulator.approvals.evictedCount);
      },
    });
  }
}
