import yargs, { type Argv, type Options } from 'yargs';
import { runVerb, stdio, EXIT, type Io, type VerbArgs } from './run.js';
import { VERBS, type OptionSpec } from './verbs.js';

/**
 * The AWS-CLI-compatible verbs of ota-sim (create-ota-update, get-ota-update,
 * list-job-executions-for-job, start-signing-job, …): one per operation of the service-model
 * slice in src/protocol/awsModel, with the AWS CLI's option names, so scripts written for
 * `aws iot …` / `aws signer …` run with `ota-sim …` and no Python.
 */

/** The global options of the AWS CLI page, accepted by every verb. */
const GLOBAL_OPTIONS: Record<string, Options> = {
  'cli-input-json': { type: 'string',
    describe: 'JSON input (inline or file://); options override it' },
  'generate-cli-skeleton': { type: 'string', describe: 'print an input skeleton, or with ' +
    '"output" validate the inputs and print a sample output' },
  'debug': { type: 'boolean', describe: 'log the HTTP exchange to stderr' },
  'endpoint-url': { type: 'string', describe: 'the cloud URL (e.g. http://127.0.0.1:PORT)' },
  'verify-ssl': { type: 'boolean', describe: '--no-verify-ssl skips TLS verification' },
  'paginate': { type: 'boolean', describe: '--no-paginate makes one call only' },
  'output': { type: 'string', describe: 'json | text | table' },
  'query': { type: 'string', describe: 'JMESPath query applied to the response' },
  'profile': { type: 'string', describe: 'profile from ~/.aws/credentials and ~/.aws/config' },
  'region': { type: 'string', describe: 'region used for SigV4 signing' },
  'color': { type: 'string', describe: 'on | off | auto (output is never coloured)' },
  'sign-request': { type: 'boolean', describe: '--no-sign-request sends requests unsigned' },
  'ca-bundle': { type: 'string', describe: 'CA bundle for https endpoints' },
  'cli-read-timeout': { type: 'string', describe: 'socket read timeout in seconds (0: none)' },
  'cli-connect-timeout': { type: 'string', describe: 'connect timeout in seconds (0: none)' },
};

const PAGING_OPTIONS: Record<string, Options> = {
  'max-items': { type: 'string', describe: 'total number of items to return' },
  'starting-token': { type: 'string', describe: 'token from a previous --max-items output' },
  'page-size': { type: 'string', describe: 'items per service call' },
};

function optionFor(o: OptionSpec): Options {
  const describe = `${o.required ? '(required) ' : ''}${o.shape.type}` +
    (o.shape.enum ? `: ${o.shape.enum.join(' | ')}` : '');
  if (o.shape.type === 'boolean') return { type: 'boolean', describe };
  if (o.shape.type === 'list') return { type: 'string', array: true, describe };
  return { type: 'string', describe };
}

export interface AwsCommandOptions {
  io?: Io;
  /** Receives the verb's exit code; by default it becomes process.exitCode. */
  onExit?(code: number): void;
}

/** Adds every AWS-style verb to `y`. */
export function registerAwsCommands(y: Argv, opts: AwsCommandOptions = {}): Argv {
  const io = opts.io ?? stdio;
  const onExit = opts.onExit ?? ((code: number) => {
    process.exitCode = code;
  });
  for (const spec of VERBS) {
    const service = spec.model.metadata.signingName;
    y = y.command(spec.verb, `${service} ${spec.operation} (as \`aws ${service} ${spec.verb}\`)`,
      (cmd) => {
        let c = cmd.options(GLOBAL_OPTIONS);
        if (spec.model.paginators[spec.operation]) c = c.options(PAGING_OPTIONS);
        for (const o of spec.options) c = c.option(o.flag, optionFor(o));
        return c.strict();
      },
      async (argv) => {
        onExit(await runVerb(spec, argv as unknown as VerbArgs, io));
      });
  }
  return y;
}

/** Runs `ota-sim <verb> …` in-process (tests and bin.ts); returns the exit code. */
export async function runAws(args: string[], io: Io = stdio): Promise<number> {
  let code: number = EXIT.ok;
  const y = registerAwsCommands(yargs(args).scriptName('ota-sim'), {
    io, onExit: (c) => {
      code = c;
    },
  })
    .demandCommand(1)
    .strict()
    .exitProcess(false)
    .version(false)
    .fail((msg, err) => {
      throw new UsageError(msg ?? err?.message ?? 'invalid usage');
    });
  try {
    await y.parseAsync();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`ota-sim: error: ${e.message}\n`);
    return EXIT.usage;
  }
  return code;
}

class UsageError extends Error {}
