#!/usr/bin/env node
// The `acq` executable: runs the command table against the real process streams.
import { processIo, runCli } from '../src/main.ts';

process.exitCode = await runCli(process.argv.slice(2), processIo());
