import { registerCertsThings } from './certs-things.js';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { Argv } from 'yargs';
import { loadOrCreateChain, type KeyKind } from '../pki/index.js';
import { SimError } from '../protocol/errors.js';

/**
 * `ota-sim certs init`: the development code-signing chains (root CA → intermediate CA →
 * code-signing leaf; protocol.md §6.5), one directory per key kind. Existing chains are kept
 * unless `force` is set, so running it twice is harmless.
 */

export const KEY_KINDS: readonly KeyKind[] = ['ecdsa', 'rsa2048', 'rsa3072'];

export interface CertsInitOptions {
  /** Default `certs/dev` under the working directory. */
  dir?: string;
  kinds?: KeyKind[];
  /** Replace existing chains (their private keys are deleted). */
  force?: boolean;
}

export interface ChainSummary {
  kind: KeyKind;
  path: string;
  leafSubject: string;
  leafNotAfter: string;
  rootFingerprint256: string;
  files: string[];
}

export interface CertsInitResult {
  dir: string;
  chains: ChainSummary[];
}

export async function certsInit(opts: CertsInitOptions = {}): Promise<CertsInitResult> {
  const dir = resolve(opts.dir ?? join('certs', 'dev'));
  const kinds = opts.kinds ?? [...KEY_KINDS];
  for (const k of kinds) {
    if (!KEY_KINDS.includes(k)) {
      throw new SimError('OTASIM_BAD_OPTION',
        `--kind ${k}: expected one of ${KEY_KINDS.join(', ')}`);
    }
  }
  const chains: ChainSummary[] = [];
  for (const kind of kinds) {
    if (opts.force) await rm(join(dir, kind), { recursive: true, force: true });
    const chain = await loadOrCreateChain(dir, kind);
    const leaf = new X509Certificate(chain.leafPem);
    const root = new X509Certificate(chain.rootPem);
    chains.push({
      kind,
      path: join(dir, kind),
      leafSubject: leaf.subject.replace(/\n/g, ', '),
      leafNotAfter: new Date(leaf.validTo).toISOString(),
      rootFingerprint256: root.fingerprint256,
      files: ['root.pem', 'root.key.pem', 'intermediate.pem', 'intermediate.key.pem', 'leaf.pem',
        'leaf.key.pem'],
    });
  }
  return { dir, chains };
}

/** Adds `certs init` and `certs things` to a yargs instance; main.ts wires it in. */
export function registerCertsCommand<T>(y: Argv<T>): Argv<T> {
  return y.command('certs', 'Development certificates: signing chains and thing identities',
    (c) => registerCertsThings(c).command('init',
      'Make ECDSA P-256 and RSA chains (root, intermediate, code-signing leaf)',
      (i) => i
        .option('dir', { type: 'string', describe: 'where chains go (default certs/dev)' })
        .option('kind', { type: 'array', string: true, choices: [...KEY_KINDS],
          describe: 'key kinds to make (default all)' })
        .option('force', { type: 'boolean', default: false,
          describe: 'replace existing chains' }),
      async (a) => {
        const result = await certsInit({ dir: a.dir, kinds: a.kind as KeyKind[] | undefined,
          force: a.force });
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      })
    .demandCommand(1, 'Name a certs command: init or things'));
}
