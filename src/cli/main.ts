#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { setLogLevel } from '../log.js';
import { registerProductCommands } from './commands.js';
import { registerAwsCommands } from './aws/index.js';
import { registerCertVerbs } from './certs-things.js';
import { registerCertsCommand } from './certs.js';
import { registerSignCommand } from './sign.js';
import { EXIT, reportError } from './errors.js';

/** `ota-sim`: the product's command line. */
const cli = yargs(hideBin(process.argv))
  .scriptName('ota-sim')
  .option('log-level', { type: 'string', describe: 'trace|debug|info|warn|error (default warn)' })
  .middleware((a) => { if (typeof a['log-level'] === 'string') setLogLevel(a['log-level']); })
  .strict()
  .demandCommand(1, 'Name a command; see --help.')
  .recommendCommands()
  .wrap(Math.min(100, process.stdout.columns ?? 100))
  .fail((msg, err) => {
    if (err) throw err;
    process.stderr.write(`ota-sim: ${msg}\nRun 'ota-sim --help' for usage.\n`);
    process.exit(EXIT.usage);
  });

registerProductCommands(cli);
registerCertsCommand(cli);
registerSignCommand(cli);
registerAwsCommands(cli);
registerCertVerbs(cli);

try {
  await cli.parseAsync();
} catch (e) {
  process.exitCode = reportError(e);
}
