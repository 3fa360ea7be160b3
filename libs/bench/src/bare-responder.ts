import { createServer, type Server } from 'node:net';
import { SoftwareHsm } from '@acq/crypto';
import {
  cupPosSpec,
  decodeTerminalFrame,
  encodeTerminalFrame,
  encodeTerminalFrameWithMac,
  type FieldValue,
  type IsoMessage,
  LengthPrefixedFrameReader,
  swapTpdu,
} from '@acq/iso8583';
import { responseMtiOf } from '@acq/terminal-protocol';

/** The master key of the responder's own software HSM (ceiling mode only, never production). */
const RESPONDER_MASTER_KEY = '00112233445566778899AABBCCDDEEFF';
const ECHOED_FIELDS = [2, 3, 4, 11, 14, 25, 41, 42, 49, 60] as const;

export interface BareResponder {
  port: number;
  /** The clear TMK every bench terminal uses against the responder. */
  tmkHex: string;
  close(): Promise<void>;
}

/**
 * Ceiling mode: a server that speaks the terminal protocol and nothing else. It decodes each frame,
 * hands out working keys at sign-in, and answers every financial request 00 with a MAC: the
 * harness and runtime cost of a transaction without any business work, so a platform figure can
 * be stated as a fraction of what this machine can carry at all.
 */
export async function startBareResponder(port = 0): Promise<BareResponder> {
  const hsm = new SoftwareHsm({ masterKeyHex: RESPONDER_MASTER_KEY });
  const tmk = hsm.generateTerminalMasterKey();
  const makByTerminal = new Map<string, string>();
  let rrnCounter = 0;

  const answer = (message: IsoMessage): { reply: IsoMessage; mak: string | undefined } => {
    const fields = new Map<number, FieldValue>();
    for (const field of ECHOED_FIELDS) {
      const value = message.fields.get(field);
      if (value !== undefined) fields.set(field, value);
    }
    fields.set(39, '00');
    const terminalId = String(message.fields.get(41));
    if (message.mti === '0800') {
      const keys = hsm.generateWorkingKeys(tmk.tmkUnderMasterKey, '003');
      makByTerminal.set(terminalId, keys.makUnderMasterKey);
      fields.set(62, keys.field62);
      return { reply: { mti: '0810', fields }, mak: undefined };
    }
    rrnCounter = (rrnCounter + 1) % 1_000_000;
    fields.set(37, `BENCH${String(rrnCounter).padStart(7, '0')}`);
    fields.set(38, 'B00001');
    return { reply: { mti: responseMtiOf(message.mti), fields }, mak: makByTerminal.get(terminalId) };
  };

  const server: Server = createServer({ noDelay: true }, (socket) => {
    const reader = new LengthPrefixedFrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const body of reader.push(chunk)) {
        const frame = decodeTerminalFrame(cupPosSpec, body);
        const mac = frame.message.fields.get(64);
        const terminalMak = makByTerminal.get(String(frame.message.fields.get(41)));
        if (Buffer.isBuffer(mac) && terminalMak !== undefined) hsm.verifyMac(terminalMak, frame.macInput, mac);
        const { reply, mak } = answer(frame.message);
        const out = { tpdu: swapTpdu(frame.tpdu), header: frame.header, message: reply };
        socket.write(
          mak === undefined
            ? encodeTerminalFrame(cupPosSpec, out)
            : encodeTerminalFrameWithMac(cupPosSpec, out, (input) => hsm.generateMac(mak, input)),
        );
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    tmkHex: tmk.tmkClearForDelivery,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
