/**
 * The documented test cards the simulator starts with (README.md lists them with their PANs).
 * PANs are a fixed BIN + account number + Luhn check digit, so they are the same on every start.
 */
import { fen, type Fen } from '@acq/money';
import type { CardHolder, CardKind, CardStatus } from './card.ts';
import { luhnCheckDigit } from './card.ts';
import { idNumberCheckCharacter } from './identity.ts';

export interface SeedCard {
  readonly label: string;
  readonly pan: string;
  readonly pin: string;
  readonly expiry: string;
  readonly kind: CardKind;
  readonly balanceFen: Fen;
  readonly status: CardStatus;
  readonly singleLimitFen: Fen | undefined;
  readonly holder: CardHolder;
}

function pan(payload: string): string {
  return `${payload}${luhnCheckDigit(payload)}`;
}

function idNumber(first17: string): string {
  return `${first17}${idNumberCheckCharacter(first17)}`;
}

const SEED_PIN = '123456';

function seed(
  label: string,
  payload: string,
  kind: CardKind,
  balanceFen: Fen,
  options: { status?: CardStatus; expiry?: string; singleLimitFen?: Fen; holder?: Partial<CardHolder> } = {},
): SeedCard {
  return {
    label,
    pan: pan(payload),
    pin: SEED_PIN,
    expiry: options.expiry ?? '3012',
    kind,
    balanceFen,
    status: options.status ?? 'active',
    singleLimitFen: options.singleLimitFen,
    holder: {
      holderName: options.holder?.holderName,
      idNumber: options.holder?.idNumber,
      phone: options.holder?.phone,
      bankName: options.holder?.bankName,
    },
  };
}

const ZHANG_SAN = {
  holderName: '张三',
  idNumber: idNumber('11010119900307123'),
  phone: '13800138000',
  bankName: '中国工商银行',
};
const LI_SI = {
  holderName: '李四',
  idNumber: idNumber('31010119880520123'),
  phone: '13900139000',
  bankName: '中国建设银行',
};

export const SEED_CARDS: readonly SeedCard[] = [
  seed('debit, rich', '621700000000000001', 'debit', fen(100_000_000), { holder: ZHANG_SAN }),
  seed('credit, 50,000 CNY line', '625800000000001', 'credit', fen(5_000_000), { expiry: '2912', holder: ZHANG_SAN }),
  seed('debit, low balance 10.00 CNY', '621700000000000002', 'debit', fen(1_000), { holder: LI_SI }),
  seed('debit, expired 2001', '621700000000000003', 'debit', fen(1_000_000), { expiry: '2001', holder: LI_SI }),
  seed('debit, lost', '621700000000000004', 'debit', fen(1_000_000), { status: 'lost' }),
  seed('credit, stolen', '625800000000002', 'credit', fen(1_000_000), { status: 'stolen' }),
  seed('debit, frozen', '621700000000000005', 'debit', fen(1_000_000), { status: 'frozen' }),
  seed('debit, issuer single limit 5,000 CNY', '621700000000000006', 'debit', fen(100_000_000), {
    singleLimitFen: fen(500_000),
  }),
  seed('debit, settlement card of 李四', '621700000000000007', 'debit', fen(0), { holder: LI_SI }),
  seed('credit, bill repayment card of 张三', '625800000000003', 'credit', fen(2_000_000), { holder: ZHANG_SAN }),
];
