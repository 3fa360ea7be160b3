/**
 * The command table. Adding a command (`acq pos`, `acq bench`, `acq token`) is one file in this
 * folder exporting a CliCommand and one line below.
 */
import type { CliCommand } from '../command.ts';
import { benchCommand } from './bench.ts';
import { isoCommand } from './iso.ts';
import { kcvCommand } from './kcv.ts';
import { macCommand } from './mac.ts';
import { pinBlockCommand } from './pinblock.ts';
import { posCommand } from './pos.ts';
import { tokenCommand } from './token.ts';

export const COMMANDS: readonly CliCommand[] = [
  isoCommand,
  macCommand,
  kcvCommand,
  pinBlockCommand,
  tokenCommand,
  posCommand,
  benchCommand,
];
