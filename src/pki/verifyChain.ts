/**
 * Signer-certificate checks a simulated PAL runs before the signature itself
 * (protocol.md §5.8, §6.5; cases C13, C14, C17). Everything that does not depend on the
 * clock is computed once per distinct input and cached, so verifying one image costs one
 * hash, one signature check and a cache hit here.
 */
import { X509Certificate } from 'node:crypto';
import type { KeyAlg } from './types.js';

export type SignerCertFailure =
  | 'missing'
  | 'unreadable'
  | 'untrusted'
  | 'expired'
  | 'not-yet-valid'
  | 'key-usage'
  | 'key-type';

export type SignerCertResult =
  | { ok: true; spkiDer: Uint8Array }
  | { ok: false; reason: SignerCertFailure; detail: string };

export interface SignerCertInput {
  /** PEM of the signer certificate; further certificates after the first count as intermediates. */
  leafPem: string | undefined;
  intermediatesPem: string[];
  /** Trust anchors; a certificate listed here is trusted as is, even if it is not self-signed. */
  rootsPem: string[];
  /** Opt-in X.509 validation (dates and codeSigning EKU); FreeRTOS PALs do neither (C17). */
  strict: boolean;
  now: Date;
  /** Key algorithm the job's `sig-*` entry needs. */
  expectKeyAlg?: KeyAlg;
}

const CODE_SIGNING_EKU = '1.3.6.1.5.5.7.3.3';
const CACHE_LIMIT = 4096;

interface ParsedCert {
  x509: X509Certificate;
  notBefore: number;
  notAfter: number;
}

type PemParse = { ok: true; certs: ParsedCert[] } | { ok: false; detail: string };

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Strict PEM reader: the armour lines must stand on their own lines (LF or CRLF). This is what
 * rejects certificates whose line breaks were pasted as `\n` or `/n` text (case C14) — note
 * that `/` and `n` are valid base64, so a lenient decoder could silently yield garbage DER.
 */
function parsePemUncached(text: string): PemParse {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '').trim());
  const certs: ParsedCert[] = [];
  let body: string[] | undefined;
  for (const line of lines) {
    if (body === undefined) {
      if (line === BEGIN) body = [];
      else if (line !== '') return { ok: false, detail: 'text outside a CERTIFICATE block' };
      continue;
    }
    if (line !== END) {
      if (!BASE64_LINE.test(line)) return { ok: false, detail: 'invalid base64 line in PEM' };
      body.push(line);
      continue;
    }
    const b64 = body.join('');
    if (b64.length === 0 || b64.length % 4 !== 0) {
      return { ok: false, detail: 'PEM body is not whole base64' };
    }
    try {
      const cert = new X509Certificate(Buffer.from(b64, 'base64'));
      certs.push({
        x509: cert,
        notBefore: Date.parse(cert.validFrom),
        notAfter: Date.parse(cert.validTo),
      });
    } catch (err) {
      return { ok: false, detail: `certificate DER does not parse: ${(err as Error).message}` };
    }
    body = undefined;
  }
  if (body !== undefined) return { ok: false, detail: 'PEM block without END line' };
  if (certs.length === 0) return { ok: false, detail: 'no CERTIFICATE block found' };
  return { ok: true, certs };
}

const pemCache = new Map<string, PemParse>();

function parsePem(text: string): PemParse {
  let r = pemCache.get(text);
  if (!r) {
    r = parsePemUncached(text);
    if (pemCache.size >= CACHE_LIMIT) pemCache.clear();
    pemCache.set(text, r);
  }
  return r;
}

/** Outcome of the clock-independent part: the trust path or a failure. */
type ChainOutcome =
  | { ok: true; path: ParsedCert[]; spkiDer: Uint8Array; keyAlg: KeyAlg | 'other'; eku: string[] }
  | { ok: false; reason: SignerCertFailure; detail: string };

const MAX_DEPTH = 8;

const oneLine = (dn: string) => dn.replace(/\n/g, ', ');
const describe = (c: ParsedCert) => oneLine(c.x509.subject);

function issuedBy(child: ParsedCert, parent: ParsedCert): boolean {
  return child.x509.checkIssued(parent.x509) && child.x509.verify(parent.x509.publicKey);
}

function keyAlgOfCert(c: ParsedCert): KeyAlg | 'other' {
  const key = c.x509.publicKey;
  if (key.asymmetricKeyType === 'rsa') return 'rsa';
  // Only P-256 exists on the device side (protocol.md §6.5), so other curves are foreign.
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ecdsa';
  }
  return 'other';
}

function buildChain(input: SignerCertInput): ChainOutcome {
  if (input.leafPem === undefined || input.leafPem.trim() === '') {
    return { ok: false, reason: 'missing', detail: 'no signer certificate on the device' };
  }
  const leafParse = parsePem(input.leafPem);
  if (!leafParse.ok) {
    return { ok: false, reason: 'unreadable', detail: `signer certificate: ${leafParse.detail}` };
  }
  const pools: ParsedCert[][] = [[], []];
  const lists: [string, string[]][] = [
    ['intermediate', input.intermediatesPem],
    ['root', input.rootsPem],
  ];
  for (const [i, [label, pems]] of lists.entries()) {
    for (const pem of pems) {
      const p = parsePem(pem);
      if (!p.ok) return { ok: false, reason: 'unreadable', detail: `${label}: ${p.detail}` };
      pools[i].push(...p.certs);
    }
  }
  const [leaf, ...bundled] = leafParse.certs;
  const intermediates = [...bundled, ...pools[0]];
  const roots = pools[1];

  const path: ParsedCert[] = [leaf];
  let trusted = false;
  for (let cur = leaf; path.length <= MAX_DEPTH; ) {
    if (roots.some((r) => r.x509.raw.equals(cur.x509.raw))) {
      trusted = true;
      break;
    }
    const root = roots.find((r) => issuedBy(cur, r));
    if (root) {
      path.push(root);
      trusted = true;
      break;
    }
    const next = intermediates.find((c) => !path.includes(c) && issuedBy(cur, c));
    if (!next) break;
    path.push(next);
    cur = next;
  }
  if (!trusted) {
    const top = path[path.length - 1];
    return {
      ok: false,
      reason: 'untrusted',
      detail: `no trusted root for ${describe(top)} (issuer ${oneLine(top.x509.issuer)})`,
    };
  }
  const spki = leaf.x509.publicKey.export({ type: 'spki', format: 'der' });
  return {
    ok: true,
    path,
    spkiDer: new Uint8Array(spki.buffer, spki.byteOffset, spki.byteLength),
    keyAlg: keyAlgOfCert(leaf),
    eku: leaf.x509.keyUsage ?? [],
  };
}

const chainCache = new Map<string, ChainOutcome>();

function cachedChain(input: SignerCertInput): ChainOutcome {
  // Unit separators cannot occur in PEM text, so the key is unambiguous.
  const id = [
    input.leafPem ?? '\u0000',
    input.intermediatesPem.join('\u001e'),
    input.rootsPem.join('\u001e'),
  ].join('\u001f');
  let r = chainCache.get(id);
  if (!r) {
    r = buildChain(input);
    if (chainCache.size >= CACHE_LIMIT) chainCache.clear();
    chainCache.set(id, r);
  }
  return r;
}

/**
 * Decides whether the device may use the signer certificate's key. Order of checks:
 * missing → unreadable → untrusted → (strict) dates → (strict) codeSigning EKU →
 * key type.
 * The returned `spkiDer` is shared with the cache: treat it as read-only.
 */
export function verifySignerCert(input: SignerCertInput): SignerCertResult {
  const chain = cachedChain(input);
  if (!chain.ok) return chain;
  if (input.strict) {
    const t = input.now.getTime();
    for (const c of chain.path) {
      if (t < c.notBefore) {
        const detail = `${describe(c)} valid from ${c.x509.validFrom}`;
        return { ok: false, reason: 'not-yet-valid', detail };
      }
      if (t > c.notAfter) {
        return { ok: false, reason: 'expired', detail: `${describe(c)} expired ${c.x509.validTo}` };
      }
    }
    // TODO(strict): keyUsage bits (digitalSignature) and the issuers' basicConstraints CA flag
    // are not checked; node:crypto does not expose keyUsage and no field case needs them yet.
    if (!chain.eku.includes(CODE_SIGNING_EKU)) {
      const have = chain.eku.length ? chain.eku.join(',') : 'none';
      return { ok: false, reason: 'key-usage', detail: `leaf lacks codeSigning EKU (has ${have})` };
    }
  }
  if (chain.keyAlg === 'other' || (input.expectKeyAlg && chain.keyAlg !== input.expectKeyAlg)) {
    return {
      ok: false,
      reason: 'key-type',
      detail: `leaf key is ${chain.keyAlg}, signature needs ${input.expectKeyAlg ?? 'ecdsa/rsa'}`,
    };
  }
  return { ok: true, spkiDer: chain.spkiDer };
}
