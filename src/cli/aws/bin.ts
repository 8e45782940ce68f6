#!/usr/bin/env node
import { runAws } from './index.js';

/** Development entry: `node dist/src/cli/aws/bin.js <verb> …` (main.ts wires the same verbs). */
process.exitCode = await runAws(process.argv.slice(2));
