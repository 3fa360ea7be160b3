/**
 * `acq iso decode|encode|describe`: the JSON form of DESIGN.md section 6 for terminal frames
 * ({"tpdu","header","mti","fields"}), messages without TPDU/header ({"mti","fields"}) and network
 * link frames (--spec cup-network). Input hex may carry the 2-byte length prefix or not.
 */
import { parseArgs } from 'node:util';
import {
  decodeNetworkFrame,
  decodeTerminalFrame,
  describeMessage,
  encodeNetworkFrame,
  encodeTerminalFrame,
  IsoCodecError,
  type IsoMessage,
  NO_FIELD,
  TPDU_ID,
  type MessageSpec,
  messageFromJson,
  messageToJson,
  parseHexStrict,
  TERMINAL_HEADER_BYTES,
  TPDU_BYTES,
  packMessage,
  unpackMessage,
} from '@acq/iso8583';
import { type CliCommand, CliUsageError, type CliIo, EXIT_OK } from '../command.ts';
import { parseHexArgument, upperHex } from '../hex.ts';
import { specByName } from './spec-option.ts';

const USAGE = `usage:
  acq iso decode [--spec cup-pos|cup-network] [--message] <hex>    frame or message -> JSON
  acq iso describe [--spec cup-pos|cup-network] [--message] <hex>  masked, log-safe dump
  acq iso encode [--spec cup-pos|cup-network] < message.json       JSON -> hex
A cup-pos frame is TPDU | header | MTI | bitmap | fields, with or without its 2-byte length;
--message says the hex starts at the MTI (no TPDU, header or length). JSON: {"tpdu","header","mti","fields":{"11":"000001",...}},
binary fields as hex. encode prints a whole frame (with length) when tpdu and header are given.`;

interface Decoded {
  tpdu?: Buffer;
  header?: Buffer;
  message: IsoMessage;
}

/**
 * Removes a 2-byte length prefix. A terminal frame body starts with the TPDU ID 0x60 and a network
 * message with an ASCII digit, and neither can be the first byte of a length within the frame bound,
 * so those inputs have no prefix; any other input must carry a prefix that matches its length.
 */
function withoutLengthPrefix(bytes: Buffer, firstByteWithoutPrefix: (byte: number) => boolean): Buffer {
  if (firstByteWithoutPrefix(bytes[0] as number)) return bytes;
  if (bytes.length < 2) throw new IsoCodecError('TRUNCATED', NO_FIELD, 0, 'length prefix');
  const announced = bytes.readUInt16BE(0);
  if (announced > bytes.length - 2)
    throw new IsoCodecError('TRUNCATED', NO_FIELD, bytes.length, `length says ${announced}`);
  if (announced < bytes.length - 2) throw new IsoCodecError('TRAILING_BYTES', NO_FIELD, 2 + announced, 'after frame');
  return bytes.subarray(2);
}

function decodeInput(spec: MessageSpec, hex: string, messageOnly: boolean): Decoded {
  const bytes = parseHexArgument(hex, 'the frame');
  if (spec.mtiEncoding === 'ascii') {
    return {
      message: decodeNetworkFrame(
        spec,
        withoutLengthPrefix(bytes, (byte) => byte >= 0x30),
      ).message,
    };
  }
  if (messageOnly) return { message: unpackMessage(spec, bytes) };
  const frame = decodeTerminalFrame(
    spec,
    withoutLengthPrefix(bytes, (byte) => byte === TPDU_ID),
  );
  return { tpdu: frame.tpdu, header: frame.header, message: frame.message };
}

function parseIsoArgs(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { spec: { type: 'string' }, message: { type: 'boolean', default: false } },
  });
  return { spec: specByName(values.spec), messageOnly: values.message === true, positionals };
}

function singleHexArgument(positionals: readonly string[]): string {
  if (positionals.length === 0) throw new CliUsageError('missing the hex to decode');
  return positionals.join('');
}

function requireHexString(value: unknown, what: string, bytes: number): Buffer {
  if (typeof value !== 'string') throw new CliUsageError(`"${what}" must be a hex string`);
  const parsed = parseHexStrict(value, 0);
  if (parsed.length !== bytes) throw new CliUsageError(`"${what}" must be ${bytes} bytes`);
  return parsed;
}

function encodeJson(spec: MessageSpec, text: string, messageOnly: boolean): Buffer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`stdin is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof json !== 'object' || json === null) throw new CliUsageError('stdin must hold a JSON object');
  const message = messageFromJson(spec, json);
  if (spec.mtiEncoding === 'ascii') return encodeNetworkFrame(spec, message);
  const record = json as Record<string, unknown>;
  if (messageOnly || (record.tpdu === undefined && record.header === undefined)) return packMessage(spec, message);
  const tpdu = requireHexString(record.tpdu, 'tpdu', TPDU_BYTES);
  const header = requireHexString(record.header, 'header', TERMINAL_HEADER_BYTES);
  return encodeTerminalFrame(spec, { tpdu, header, message });
}

async function runIso(args: readonly string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  const { spec, messageOnly, positionals } = parseIsoArgs(rest);
  if (action === 'decode') {
    const decoded = decodeInput(spec, singleHexArgument(positionals), messageOnly);
    const head =
      decoded.tpdu && decoded.header ? { tpdu: upperHex(decoded.tpdu), header: upperHex(decoded.header) } : {};
    io.stdout(`${JSON.stringify({ ...head, ...messageToJson(spec, decoded.message) })}\n`);
    return EXIT_OK;
  }
  if (action === 'describe') {
    const decoded = decodeInput(spec, singleHexArgument(positionals), messageOnly);
    const head =
      decoded.tpdu && decoded.header ? `TPDU ${upperHex(decoded.tpdu)} header ${upperHex(decoded.header)}\n` : '';
    io.stdout(`${head}${describeMessage(spec, decoded.message)}\n`);
    return EXIT_OK;
  }
  if (action === 'encode') {
    if (positionals.length > 0) throw new CliUsageError('encode reads its JSON from stdin and takes no arguments');
    io.stdout(`${upperHex(encodeJson(spec, await io.readStdin(), messageOnly))}\n`);
    return EXIT_OK;
  }
  throw new CliUsageError(action === undefined ? 'missing the action' : `unknown action "${action}"`);
}

export const isoCommand: CliCommand = {
  name: 'iso',
  summary: 'decode, describe and encode ISO 8583 frames',
  usage: USAGE,
  run: runIso,
};
