// Goal: the ISO 8583 upstream port answers the network message set and injects faults on request.
// Method: a real TCP client packs cupNetworkSpec frames, pipelines them and decodes the answers.
import { strict as expect } from 'node:assert';
import { connect, type Socket } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  cupNetworkSpec,
  decodeNetworkFrame,
  encodeNetworkFrame,
  type FieldValue,
  type IsoMessage,
  LengthPrefixedFrameReader,
} from '@acq/iso8583';
import { createMetrics } from '@acq/telemetry';
import { NO_ISO_FAULTS } from '../src/domain/iso-faults.ts';
import type { NetworkSimulator } from '../src/simulator.ts';
import { IsoServer } from '../src/transport/iso/iso-server.ts';
import { SimulatorMetrics } from '../src/transport/metrics.ts';
import { buildTestSimulator, pinBlockUnderZpk } from './fixture.ts';

const silentLogger = { warn: () => undefined };
const TERMINAL = 'T0000001';
const MERCHANT = '898310053110001';

class IsoClient {
  private readonly reader = new LengthPrefixedFrameReader();
  private readonly received: IsoMessage[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  garbageFrames = 0;
  readonly socket: Socket;

  constructor(port: number) {
    this.socket = connect({ port, host: '127.0.0.1' });
    this.socket.on('data', (chunk: Buffer) => {
      for (const body of this.reader.push(chunk)) {
        try {
          this.received.push(decodeNetworkFrame(cupNetworkSpec, body).message);
        } catch {
          this.garbageFrames += 1;
        }
      }
      this.wake();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    this.socket.on('error', () => undefined);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  send(...messages: IsoMessage[]): void {
    this.socket.write(Buffer.concat(messages.map((message) => encodeNetworkFrame(cupNetworkSpec, message))));
  }

  /** Resolves with count answers, or rejects after timeoutMs / when the connection closes first. */
  async receive(count: number, timeoutMs = 2_000): Promise<IsoMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (this.closed) throw new Error('connection closed');
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('timed out');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received.splice(0, count);
  }

  close(): void {
    this.socket.destroy();
  }
}

let stan = 100;
function message(mti: string, fields: Record<number, FieldValue>): IsoMessage {
  stan += 1;
  const base: Record<number, FieldValue> = {
    7: '1122020000',
    11: stan.toString().padStart(6, '0'),
    32: '48020000',
    41: TERMINAL,
    42: MERCHANT,
    49: '156',
  };
  return { mti, fields: new Map(Object.entries({ ...base, ...fields }).map(([key, value]) => [Number(key), value])) };
}

function purchase(pan: string, amount: string, pin?: string): IsoMessage {
  const fields: Record<number, FieldValue> = { 2: pan, 3: '000000', 4: amount, 22: '021', 25: '00' };
  if (pin !== undefined) fields[52] = pinBlockUnderZpk(pin, pan);
  return message('0200', fields);
}

function field90(original: IsoMessage): string {
  return `${original.mti}${original.fields.get(11)}${original.fields.get(7)}${'48020000'.padStart(11, '0')}${'0'.repeat(11)}`;
}

let simulator: NetworkSimulator;
let server: IsoServer;
let port = 0;
let pan = '';

before(async () => {
  simulator = buildTestSimulator().simulator;
  server = new IsoServer(
    simulator,
    new SimulatorMetrics(createMetrics('network-sim-test').meter, simulator),
    silentLogger,
  );
  port = await server.listen(0, '127.0.0.1');
});

after(async () => {
  await server.close();
});

beforeEach(() => {
  simulator.isoFaults = NO_ISO_FAULTS;
  const created = simulator.cardAdmin.create({
    pan: undefined,
    pin: '123456',
    expiry: '3012',
    kind: 'debit',
    balanceFen: 100_000n as never,
    status: 'active',
    singleLimitFen: undefined,
    holder: { holderName: undefined, idNumber: undefined, phone: undefined, bankName: undefined },
  });
  if (!created.ok) throw new Error('card not created');
  pan = created.card.pan;
});

describe('ISO 8583 message set', () => {
  test('0800 sign-on and echo answer 0810 with 00 and the echoed trace', async () => {
    const client = new IsoClient(port);
    const signOn = message('0800', { 70: '001' });
    client.send(signOn);
    const [answer] = await client.receive(1);
    expect.equal(answer?.mti, '0810');
    expect.equal(answer?.fields.get(39), '00');
    expect.equal(answer?.fields.get(11), signOn.fields.get(11));
    client.close();
  });

  test('pipelined purchases get 0210s echoing 11/41/42 with RRN, auth code and settlement date', async () => {
    const client = new IsoClient(port);
    const first = purchase(pan, '000000001000', '123456');
    const second = purchase(pan, '000000002000');
    client.send(first, second);
    const answers = await client.receive(2);
    const byStan = new Map(answers.map((answer) => [answer.fields.get(11), answer]));
    for (const sent of [first, second]) {
      const answer = byStan.get(sent.fields.get(11));
      expect.equal(answer?.mti, '0210');
      expect.equal(answer?.fields.get(39), '00');
      expect.equal(answer?.fields.get(41), TERMINAL);
      expect.equal(answer?.fields.get(42), MERCHANT);
      expect.match(String(answer?.fields.get(37)), /^[0-9]{12}$/);
      expect.match(String(answer?.fields.get(38)), /^[0-9]{6}$/);
      expect.equal(answer?.fields.get(15), '1122');
    }
    expect.equal(simulator.cards.get(pan)?.balanceFen, 97_000n);
    client.close();
  });

  test('wrong PIN answers 55 and balance inquiry answers field 54', async () => {
    const client = new IsoClient(port);
    client.send(purchase(pan, '000000001000', '654321'));
    const [wrong] = await client.receive(1);
    expect.equal(wrong?.fields.get(39), '55');
    client.send(message('0200', { 2: pan, 3: '310000', 25: '00', 52: pinBlockUnderZpk('123456', pan) }));
    const [inquiry] = await client.receive(1);
    expect.equal(inquiry?.fields.get(39), '00');
    expect.equal(inquiry?.fields.get(54), '0002156C000000100000');
    client.close();
  });

  test('0400 reversal by field 90 restores the balance; a repeat answers 00 again', async () => {
    const client = new IsoClient(port);
    const original = purchase(pan, '000000005000');
    client.send(original);
    await client.receive(1);
    const reversal = message('0400', { 3: '000000', 4: '000000005000', 39: '98', 90: field90(original) });
    client.send(reversal, { ...reversal, fields: new Map(reversal.fields).set(11, '999999') });
    const answers = await client.receive(2);
    expect.deepEqual(
      answers.map((answer) => [answer.mti, answer.fields.get(39)]),
      [
        ['0410', '00'],
        ['0410', '00'],
      ],
    );
    expect.equal(simulator.cards.get(pan)?.balanceFen, 100_000n);
    client.close();
  });

  test('0220 refund advice refers to its purchase by field 90 and RRN', async () => {
    const client = new IsoClient(port);
    const original = purchase(pan, '000000005000');
    client.send(original);
    const [approved] = await client.receive(1);
    const refund = message('0220', {
      2: pan,
      3: '200000',
      4: '000000002000',
      25: '00',
      37: String(approved?.fields.get(37)),
      38: String(approved?.fields.get(38)),
      90: field90(original),
    });
    client.send(refund);
    const [answer] = await client.receive(1);
    expect.equal(answer?.mti, '0230');
    expect.equal(answer?.fields.get(39), '00');
    expect.equal(simulator.cards.get(pan)?.balanceFen, 97_000n);
    client.close();
  });

  test('0100 pre-auth holds; 0200 with field 90 naming it completes; 0200 200000 voids the completion', async () => {
    const client = new IsoClient(port);
    const preAuth = message('0100', { 2: pan, 3: '030000', 4: '000000010000', 25: '06' });
    client.send(preAuth);
    const [held] = await client.receive(1);
    expect.equal(held?.mti, '0110');
    expect.equal(simulator.cards.get(pan)?.holdsFen, 10_000n);
    const completion = message('0200', { 2: pan, 3: '000000', 4: '000000011000', 25: '06', 90: field90(preAuth) });
    client.send(completion);
    const [completed] = await client.receive(1);
    expect.equal(completed?.fields.get(39), '00');
    expect.equal(simulator.cards.get(pan)?.holdsFen, 0n);
    expect.equal(simulator.cards.get(pan)?.balanceFen, 89_000n);
    client.send(message('0200', { 2: pan, 3: '200000', 4: '000000011000', 25: '06', 90: field90(completion) }));
    const [voided] = await client.receive(1);
    expect.equal(voided?.fields.get(39), '00');
    expect.equal(simulator.cards.get(pan)?.balanceFen, 100_000n);
    expect.equal(simulator.cards.get(pan)?.holdsFen, 10_000n);
    client.close();
  });

  test('a message without terminal keys answers 30; an unknown card 14', async () => {
    const client = new IsoClient(port);
    const broken = purchase(pan, '000000000100');
    broken.fields.delete(41);
    client.send(broken, purchase('6217000000000000000', '000000000100'));
    const answers = await client.receive(2);
    expect.deepEqual(answers.map((answer) => answer.fields.get(39)).sort(), ['14', '30']);
    client.close();
  });
});

describe('ISO faults', () => {
  test('timeout fault applies the purchase but never answers; other PANs are unaffected', async () => {
    simulator.isoFaults = { ...NO_ISO_FAULTS, timeoutRate: 1, pans: [pan] };
    const client = new IsoClient(port);
    client.send(purchase(pan, '000000001000'));
    await expect.rejects(client.receive(1, 300), /timed out/);
    expect.equal(simulator.cards.get(pan)?.balanceFen, 99_000n);
    client.send(purchase('6217000000000000000', '000000000100'));
    const [other] = await client.receive(1);
    expect.equal(other?.fields.get(39), '14');
    client.close();
  });

  test('disconnect fault closes the connection without processing', async () => {
    simulator.isoFaults = { ...NO_ISO_FAULTS, disconnectRate: 1, pans: [pan] };
    const client = new IsoClient(port);
    client.send(purchase(pan, '000000001000'));
    await expect.rejects(client.receive(1), /connection closed/);
    expect.equal(simulator.cards.get(pan)?.balanceFen, 100_000n);
  });

  test('late response fault answers after lateResponseMs', async () => {
    simulator.isoFaults = { ...NO_ISO_FAULTS, lateResponseRate: 1, lateResponseMs: 400, pans: [pan] };
    const client = new IsoClient(port);
    const sentAt = Date.now();
    client.send(purchase(pan, '000000001000'));
    const [answer] = await client.receive(1, 2_000);
    expect.equal(answer?.fields.get(39), '00');
    expect.ok(Date.now() - sentAt >= 380, 'answered late');
    client.close();
  });

  test('garbage fault answers a frame that does not decode, after applying the purchase', async () => {
    simulator.isoFaults = { ...NO_ISO_FAULTS, garbageRate: 1, pans: [pan] };
    const client = new IsoClient(port);
    client.send(purchase(pan, '000000001000'));
    await expect.rejects(client.receive(1, 300), /timed out/);
    expect.equal(client.garbageFrames, 1);
    expect.equal(simulator.cards.get(pan)?.balanceFen, 99_000n);
    client.close();
  });

  test('a frame that does not decode closes the connection', async () => {
    const client = new IsoClient(port);
    client.socket.write(Buffer.from([0x00, 0x04, 0x30, 0x32, 0x30, 0x30]));
    await expect.rejects(client.receive(1), /connection closed/);
  });
});
