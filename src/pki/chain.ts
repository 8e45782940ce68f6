/**
 * Development certificate chains for code signing (protocol.md §6.5) and fast TLS leaf
 * issuance for things and servers. Chains are built with @peculiar/x509 on Node's WebCrypto;
 * bulk TLS leaves go through fastcert.ts. Keys are PKCS#8 PEM so node:crypto can use them.
 */
import {
  createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, webcrypto,
} from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { buildLeafCert, keyIdOf, type FastIssuer } from './fastcert.js';
import { keyAlgOfKind, type KeyKind } from './types.js';

const subtle = webcrypto.subtle;
const provider = webcrypto as unknown as Crypto;

export interface DevChain {
  kind: KeyKind;
  rootPem: string;
  rootKeyPem: string;
  intermediatePem: string;
  intermediateKeyPem: string;
  leafPem: string;
  leafKeyPem: string;
}

export interface CreateChainOptions {
  kind: KeyKind;
  commonNamePrefix?: string;
  leafNotBefore?: Date;
  leafNotAfter?: Date;
  /** serverAuth makes a leaf that strict verification must refuse for code signing. */
  leafKeyUsage?: 'codeSigning' | 'serverAuth';
}

type KeyParams = RsaHashedKeyGenParams | EcKeyGenParams;

const EC_GEN: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const EC_SIGN: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const RSA_SIGN: Algorithm = { name: 'RSASSA-PKCS1-v1_5' };

function genParams(kind: KeyKind): KeyParams {
  if (kind === 'ecdsa') return EC_GEN;
  return {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: kind === 'rsa2048' ? 2048 : 3072,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  };
}

const DAY_MS = 86_400_000;

function randomSerial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive INTEGER
  b[0] |= 0x01; // no leading zero byte, so the encoding is always 16 bytes
  return b.toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

function certPem(cert: x509.X509Certificate): string {
  return cert.toString('pem') + '\n';
}

interface Issuer {
  cert: x509.X509Certificate;
  key: CryptoKey;
  signAlg: Algorithm;
  /** Hex subject key identifier, reused as the children's authority key identifier. */
  keyId: string;
}

async function makeCert(opts: {
  subjectCN: string;
  /** SubjectPublicKeyInfo DER of the subject key. */
  spki: Uint8Array;
  issuer: Issuer | { self: CryptoKey; signAlg: Algorithm };
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
}): Promise<x509.X509Certificate> {
  const ownId = keyIdOf(opts.spki);
  const issuer = 'self' in opts.issuer ? undefined : opts.issuer;
  // JSON form, so a CN containing ',' or '=' is not reparsed as several attributes.
  const subject: x509.JsonName = [{ CN: [opts.subjectCN] }];
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject,
      issuer: issuer ? issuer.cert.subjectName : subject,
      notBefore: opts.notBefore,
      notAfter: opts.notAfter,
      publicKey: new Uint8Array(opts.spki),
      signingKey: issuer ? issuer.key : (opts.issuer as { self: CryptoKey }).self,
      signingAlgorithm: opts.issuer.signAlg,
      extensions: [
        ...opts.extensions,
        new x509.SubjectKeyIdentifierExtension(ownId, false),
        new x509.AuthorityKeyIdentifierExtension(issuer ? issuer.keyId : ownId, false),
      ],
    },
    provider,
  );
}

async function spkiOf(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle.exportKey('spki', key));
}

function caExtensions(pathLength: number): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
      true,
    ),
  ];
}

/** Root → intermediate → code-signing leaf, all of one key kind, signed with SHA-256. */
export async function createChain(opts: CreateChainOptions): Promise<DevChain> {
  const prefix = opts.commonNamePrefix ?? 'ota-sim dev';
  const params = genParams(opts.kind);
  const signAlg = opts.kind === 'ecdsa' ? EC_SIGN : RSA_SIGN;
  const [rootKeys, interKeys, leafKeys] = await Promise.all(
    [0, 1, 2].map(() => subtle.generateKey(params, true, ['sign', 'verify'])),
  );
  const [rootSpki, interSpki, leafSpki] = await Promise.all(
    [rootKeys, interKeys, leafKeys].map((k) => spkiOf(k.publicKey)),
  );
  const now = Date.now();
  const caFrom = new Date(now - DAY_MS);
  const caTo = new Date(now + 3650 * DAY_MS);

  const root = await makeCert({
    subjectCN: `${prefix} Root CA`,
    spki: rootSpki,
    issuer: { self: rootKeys.privateKey, signAlg },
    notBefore: caFrom,
    notAfter: caTo,
    extensions: caExtensions(1),
  });
  const rootIssuer = { cert: root, key: rootKeys.privateKey, signAlg, keyId: keyIdOf(rootSpki) };
  const inter = await makeCert({
    subjectCN: `${prefix} Intermediate CA`,
    spki: interSpki,
    issuer: rootIssuer,
    notBefore: caFrom,
    notAfter: caTo,
    extensions: caExtensions(0),
  });
  const interKeyId = keyIdOf(interSpki);
  const interIssuer = { cert: inter, key: interKeys.privateKey, signAlg, keyId: interKeyId };
  const usage = opts.leafKeyUsage === 'serverAuth'
    ? x509.ExtendedKeyUsage.serverAuth
    : x509.ExtendedKeyUsage.codeSigning;
  const leaf = await makeCert({
    subjectCN: `${prefix} Code Signer`,
    spki: leafSpki,
    issuer: interIssuer,
    notBefore: opts.leafNotBefore ?? caFrom,
    notAfter: opts.leafNotAfter ?? new Date(now + 730 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([usage], false),
    ],
  });

  const [rootKeyPem, intermediateKeyPem, leafKeyPem] = await Promise.all(
    [rootKeys, interKeys, leafKeys].map((k) => exportKeyPem(k.privateKey)),
  );
  return {
    kind: opts.kind,
    rootPem: certPem(root),
    rootKeyPem,
    intermediatePem: certPem(inter),
    intermediateKeyPem,
    leafPem: certPem(leaf),
    leafKeyPem,
  };
}

const CHAIN_FILES = {
  rootPem: 'root.pem',
  rootKeyPem: 'root.key.pem',
  intermediatePem: 'intermediate.pem',
  intermediateKeyPem: 'intermediate.key.pem',
  leafPem: 'leaf.pem',
  leafKeyPem: 'leaf.key.pem',
} as const;

type ChainField = keyof typeof CHAIN_FILES;
const FIELDS = Object.keys(CHAIN_FILES) as ChainField[];

async function readChainDir(path: string, kind: KeyKind): Promise<DevChain | undefined> {
  const texts = await Promise.all(
    FIELDS.map((f) => readFile(join(path, CHAIN_FILES[f]), 'utf8').catch(() => undefined)),
  );
  const present = texts.filter((t) => t !== undefined).length;
  if (present === 0) return undefined;
  if (present !== FIELDS.length) {
    const missing = FIELDS.filter((_, i) => texts[i] === undefined).map((f) => CHAIN_FILES[f]);
    throw new Error(`loadOrCreateChain: ${path} is incomplete (missing ${missing.join(', ')})`);
  }
  const chain = { kind } as DevChain;
  FIELDS.forEach((f, i) => {
    chain[f] = texts[i] as string;
  });
  const keyType = createPrivateKey(chain.leafKeyPem).asymmetricKeyType;
  if ((keyType === 'ec' ? 'ecdsa' : 'rsa') !== keyAlgOfKind(kind)) {
    throw new Error(`loadOrCreateChain: ${path} holds a ${keyType} leaf key, not ${kind}`);
  }
  return chain;
}

/**
 * Reads `<dir>/<kind>/` or creates it. The six files are written into a private temporary
 * directory that is then renamed into place in one step, so two processes racing here
 * never mix files from two different chains: the loser's rename fails and it reads the
 * winner's files.
 */
export async function loadOrCreateChain(dir: string, kind: KeyKind): Promise<DevChain> {
  const target = join(dir, kind);
  const existing = await readChainDir(target, kind);
  if (existing) return existing;

  await mkdir(dir, { recursive: true });
  const chain = await createChain({ kind });
  const tmp = join(dir, `.${kind}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  await mkdir(tmp, { mode: 0o700 });
  try {
    await Promise.all(
      FIELDS.map((f) =>
        writeFile(join(tmp, CHAIN_FILES[f]), chain[f], {
          mode: f.endsWith('KeyPem') ? 0o600 : 0o644,
        }),
      ),
    );
    await rename(tmp, target);
    return chain;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    const winner = await readChainDir(target, kind);
    if (!winner) throw err;
    return winner;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

// Issuers are reused for thousands of leaves: parse their cert and key once.
const issuerCache = new Map<string, FastIssuer>();

function loadIssuer(certPemText: string, keyPem: string): FastIssuer {
  const id = certPemText + '\0' + keyPem;
  let issuer = issuerCache.get(id);
  if (!issuer) {
    const cert = new x509.X509Certificate(certPemText);
    const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
    issuer = {
      key: createPrivateKey(keyPem),
      subjectDer: new Uint8Array(cert.subjectName.toArrayBuffer()),
      keyId: ski?.keyId ?? keyIdOf(new Uint8Array(cert.publicKey.rawData)),
    };
    if (issuerCache.size >= 64) issuerCache.clear();
    issuerCache.set(id, issuer);
  }
  return issuer;
}

// Deriving the public key from a PEM private key costs a scalar multiplication; callers that
// pass keyPem usually pass the same few keys over and over.
const spkiByKeyPem = new Map<string, Uint8Array>();

/** node:crypto key generation is synchronous and several times faster than WebCrypto's. */
function subjectKeys(keyPem?: string): { spki: Uint8Array; keyPem: string } {
  if (keyPem) {
    let spki = spkiByKeyPem.get(keyPem);
    if (!spki) {
      spki = new Uint8Array(createPublicKey(keyPem).export({ type: 'spki', format: 'der' }));
      if (spkiByKeyPem.size >= 1024) spkiByKeyPem.clear();
      spkiByKeyPem.set(keyPem, spki);
    }
    return { spki, keyPem };
  }
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    spki: new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' })),
    keyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

export interface IssueCertOptions {
  issuerPem: string;
  issuerKeyPem: string;
  subjectCN: string;
  kind: 'ecdsa';
  usage: 'clientAuth' | 'serverAuth';
  altNames?: { dns?: string[]; ip?: string[] };
  /** Reuse this PKCS#8 key instead of generating one. */
  keyPem?: string;
  notBefore?: Date;
  notAfter?: Date;
}

/**
 * ECDSA P-256 TLS leaf (thing client cert or server cert) signed by the given CA (ECDSA or
 * RSA). Synchronous work under an async signature, so callers can later move it to a worker.
 */
export async function issueCert(
  opts: IssueCertOptions,
): Promise<{ certPem: string; keyPem: string }> {
  const issuer = loadIssuer(opts.issuerPem, opts.issuerKeyPem);
  const subject = subjectKeys(opts.keyPem);
  const now = Date.now();
  const der = buildLeafCert(issuer, {
    serial: Buffer.from(randomSerial(), 'hex'),
    subjectCN: opts.subjectCN,
    spki: subject.spki,
    notBefore: opts.notBefore ?? new Date(now - 3_600_000),
    notAfter: opts.notAfter ?? new Date(now + 365 * DAY_MS),
    usage: opts.usage,
    dns: opts.altNames?.dns ?? [],
    ip: opts.altNames?.ip ?? [],
  });
  const certPem = x509.PemConverter.encode(der.slice().buffer, 'CERTIFICATE') + '\n';
  return { certPem, keyPem: subject.keyPem };
}
