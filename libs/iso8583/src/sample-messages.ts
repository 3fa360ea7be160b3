/**
 * Representative CUP POS messages built field by field (not captures): a chip purchase 0200 with
 * PIN and EMV data and its approved 0210. Tests, the fuzz seeds, the benchmark and other packages'
 * tests share them so everyone measures and checks the same shapes. The card number is a test PAN.
 */
import type { FieldValue, IsoMessage } from './codec.ts';

const SAMPLE_EMV_DATA = Buffer.from(
  '9F2608C2C12B098F3DA6E39F2701809F101307010103A0A802010A010000000000754D5D9F9F37045D6F3E7A9F36020019' +
    '950500800460009A032411229C01009F02060000000123455F2A02015682027C009F1A0201569F03060000000000009F330360F8C8',
  'hex',
);

export function samplePurchaseRequest(): IsoMessage {
  return {
    mti: '0200',
    fields: new Map<number, FieldValue>([
      [2, '6222021234567890123'],
      [3, '000000'],
      [4, '000000012345'],
      [11, '000123'],
      [14, '2812'],
      [22, '051'],
      [23, '001'],
      [25, '00'],
      [26, '12'],
      [35, '6222021234567890123=28122201234567890'],
      [41, '12345678'],
      [42, '898110153110001'],
      [49, '156'],
      [52, Buffer.from('7D3A1F5B9C0E2A44', 'hex')],
      [53, '2600000000000000'],
      [55, SAMPLE_EMV_DATA],
      [60, '22000001000500'],
      [64, Buffer.from('3641433242334437', 'hex')],
    ]),
  };
}

export function samplePurchaseResponse(): IsoMessage {
  return {
    mti: '0210',
    fields: new Map<number, FieldValue>([
      [2, '6222021234567890123'],
      [3, '000000'],
      [4, '000000012345'],
      [11, '000123'],
      [12, '103015'],
      [13, '1122'],
      [14, '2812'],
      [15, '1122'],
      [23, '001'],
      [25, '00'],
      [32, '48020000'],
      [37, '112210301500'],
      [38, '123456'],
      [39, '00'],
      [41, '12345678'],
      [42, '898110153110001'],
      [44, '03080000   03080000   '],
      [49, '156'],
      [53, '2600000000000000'],
      [55, Buffer.from('910A1A2B3C4D5E6F708090A08A023030', 'hex')],
      [60, '22000001000500'],
      [63, 'CUP'],
      [64, Buffer.from('4139303146324535', 'hex')],
    ]),
  };
}
