import { beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey } from 'node:crypto';
import {
  createChain,
  nobleBackend,
  nodeBackend,
  signData,
  verifySignerCert,
  type DevChain,
  type SignerCertInput,
} from '../../src/pki/index.js';

const NOW = new Date('2030-06-01T00:00:00Z');

describe('verifySignerCert', () => {
  let ec: DevChain;
  let other: DevChain;
  let rsa: DevChain;
  let expired: DevChain;
  let future: DevChain;
  let serverAuth: DevChain;

  beforeAll(async () => {
    [ec, other, rsa, expired, future, serverAuth] = await Promise.all([
      createChain({ kind: 'ecdsa', commonNamePrefix: 'A' }),
      createChain({ kind: 'ecdsa', commonNamePrefix: 'B' }),
      createChain({ kind: 'rsa2048', commonNamePrefix: 'R' }),
      createChain({
        kind: 'ecdsa', commonNamePrefix: 'old',
        leafNotBefore: new Date('2020-01-01T00:00:00Z'),
        leafNotAfter: new Date('2021-01-01T00:00:00Z'),
      }),
      createChain({
        kind: 'ecdsa', commonNamePrefix: 'new',
        leafNotBefore: new Date('2031-01-01T00:00:00Z'),
        leafNotAfter: new Date('2032-01-01T00:00:00Z'),
      }),
      createChain({ kind: 'ecdsa', commonNamePrefix: 'tls', leafKeyUsage: 'serverAuth' }),
    ]);
  });

  // createChain dates its CAs from "now"; a strict check therefore runs at the real time.
  const input = (c: DevChain, over: Partial<SignerCertInput> = {}): SignerCertInput => ({
    leafPem: c.leafPem,
    intermediatesPem: [c.intermediatePem],
    rootsPem: [c.rootPem],
    strict: false,
    now: NOW,
    ...over,
  });
  const realNow = () => new Date();
  const spki = (pem: string) =>
    new Uint8Array(createPublicKey(pem).export({ type: 'spki', format: 'der' }));

  it('accepts a good chain and returns the leaf public key', () => {
    const r = verifySignerCert(input(ec, { expectKeyAlg: 'ecdsa' }));
    expect(r).toEqual({ ok: true, spkiDer: spki(ec.leafPem) });
  });

  it('accepts a good chain in strict mode', () => {
    expect(verifySignerCert(input(ec, { strict: true, now: realNow() })).ok).toBe(true);
  });

  it('serves repeated checks of one chain from the cache', () => {
    const a = verifySignerCert(input(ec));
    const b = verifySignerCert(input(ec, { now: new Date(0) }));
    expect(a.ok && b.ok && a.spkiDer === b.spkiDer).toBe(true);
  });

  it.each([undefined, '', '  \n'])('reports a missing leaf (%j) as missing (C13)', (leafPem) => {
    expect(verifySignerCert(input(ec, { leafPem }))).toEqual({
      ok: false, reason: 'missing', detail: 'no signer certificate on the device',
    });
  });

  describe('PEM line separators (C14)', () => {
    it('accepts CRLF line endings', () => {
      const r = verifySignerCert(input(ec, { leafPem: ec.leafPem.replace(/\n/g, '\r\n') }));
      expect(r.ok).toBe(true);
    });

    it('reports backslash-n separators as unreadable', () => {
      const r = verifySignerCert(input(ec, { leafPem: ec.leafPem.replace(/\n/g, '\\n') }));
      expect(r).toEqual({
        ok: false,
        reason: 'unreadable',
        detail: 'signer certificate: text outside a CERTIFICATE block',
      });
    });

    it('reports slash-n separators as unreadable', () => {
      const r = verifySignerCert(input(ec, { leafPem: ec.leafPem.replace(/\n/g, '/n') }));
      expect(r.ok === false && r.reason).toBe('unreadable');
    });

    it('reports slash-n inside the body (armour intact) as unreadable', () => {
      const lines = ec.leafPem.trim().split('\n');
      const pem = [lines[0], lines.slice(1, -1).join('/n'), lines[lines.length - 1]].join('\n');
      const r = verifySignerCert(input(ec, { leafPem: pem }));
      expect(r.ok === false && r.reason).toBe('unreadable');
    });

    it('reports a one-line PEM as unreadable', () => {
      const r = verifySignerCert(input(ec, { leafPem: ec.leafPem.replace(/\n/g, '') }));
      expect(r.ok === false && r.reason).toBe('unreadable');
    });
  });

  it('reports truncated or corrupted PEM as unreadable', () => {
    const lines = ec.leafPem.trim().split('\n');
    const truncated = [...lines.slice(0, 3), lines[lines.length - 1]].join('\n');
    expect(verifySignerCert(input(ec, { leafPem: truncated }))).toMatchObject({
      ok: false, reason: 'unreadable',
    });
    expect(verifySignerCert(input(ec, { leafPem: lines.slice(0, -1).join('\n') }))).toEqual({
      ok: false, reason: 'unreadable', detail: 'signer certificate: PEM block without END line',
    });
    expect(verifySignerCert(input(ec, { leafPem: 'hello' }))).toMatchObject({
      ok: false, reason: 'unreadable',
    });
  });

  it('reports an unreadable root as unreadable, naming the list', () => {
    const r = verifySignerCert(input(ec, { rootsPem: ['-----BEGIN CERTIFICATE-----\n'] }));
    expect(r).toEqual({
      ok: false, reason: 'unreadable', detail: 'root: PEM block without END line',
    });
  });

  it('reports a leaf from another PKI as untrusted', () => {
    const r = verifySignerCert(
      input(other, { intermediatesPem: [ec.intermediatePem], rootsPem: [ec.rootPem] }),
    );
    expect(r).toEqual({
      ok: false, reason: 'untrusted',
      detail: 'no trusted root for CN=B Code Signer (issuer CN=B Intermediate CA)',
    });
  });

  it('reports a chain with its intermediate missing as untrusted', () => {
    const r = verifySignerCert(input(ec, { intermediatesPem: [] }));
    expect(r.ok === false && r.reason).toBe('untrusted');
  });

  it('reports an empty trust store as untrusted', () => {
    const r = verifySignerCert(input(ec, { rootsPem: [] }));
    expect(r.ok === false && r.reason).toBe('untrusted');
  });

  it('takes intermediates bundled after the leaf in leafPem', () => {
    const leafPem = ec.leafPem + ec.intermediatePem;
    const r = verifySignerCert(input(ec, { leafPem, intermediatesPem: [] }));
    expect(r.ok).toBe(true);
  });

  it('trusts a leaf pinned directly in rootsPem', () => {
    const r = verifySignerCert(input(ec, { intermediatesPem: [], rootsPem: [ec.leafPem] }));
    expect(r.ok).toBe(true);
  });

  it('lenient mode ignores an expired leaf; strict mode reports expired (C17)', () => {
    expect(verifySignerCert(input(expired)).ok).toBe(true);
    expect(verifySignerCert(input(expired, { strict: true, now: realNow() }))).toEqual({
      ok: false, reason: 'expired', detail: 'CN=old Code Signer expired Jan  1 00:00:00 2021 GMT',
    });
  });

  it('strict mode reports a leaf that is not valid yet', () => {
    expect(verifySignerCert(input(future)).ok).toBe(true);
    expect(verifySignerCert(input(future, { strict: true, now: realNow() }))).toEqual({
      ok: false,
      reason: 'not-yet-valid',
      detail: 'CN=new Code Signer valid from Jan  1 00:00:00 2031 GMT',
    });
  });

  it('strict mode checks the CA dates as well', () => {
    const r = verifySignerCert(input(ec, { strict: true, now: new Date('2200-01-01T00:00:00Z') }));
    expect(r.ok === false && r.reason).toBe('expired');
  });

  it('strict mode requires the codeSigning EKU; lenient mode does not', () => {
    expect(verifySignerCert(input(serverAuth)).ok).toBe(true);
    expect(verifySignerCert(input(serverAuth, { strict: true, now: realNow() }))).toEqual({
      ok: false, reason: 'key-usage', detail: 'leaf lacks codeSigning EKU (has 1.3.6.1.5.5.7.3.1)',
    });
  });

  it('strict mode reports a leaf without any EKU extension as key-usage', () => {
    const r = verifySignerCert(input(ec, {
      leafPem: ec.rootPem, intermediatesPem: [], strict: true, now: realNow(),
    }));
    expect(r).toEqual({
      ok: false, reason: 'key-usage', detail: 'leaf lacks codeSigning EKU (has none)',
    });
  });

  it('reports a key that does not fit the signature algorithm as key-type', () => {
    expect(verifySignerCert(input(ec, { expectKeyAlg: 'rsa' }))).toEqual({
      ok: false, reason: 'key-type', detail: 'leaf key is ecdsa, signature needs rsa',
    });
    expect(verifySignerCert(input(rsa, { expectKeyAlg: 'ecdsa' }))).toEqual({
      ok: false, reason: 'key-type', detail: 'leaf key is rsa, signature needs ecdsa',
    });
    expect(verifySignerCert(input(rsa, { expectKeyAlg: 'rsa' })).ok).toBe(true);
  });

  it('an expired cert still verifies images signed by its key, not by another key (C17)', () => {
    const image = new TextEncoder().encode('firmware v2');
    const r = verifySignerCert(input(expired, { expectKeyAlg: 'ecdsa' }));
    if (!r.ok) throw new Error(r.reason);
    const good = signData('sha256-ecdsa', image, expired.leafKeyPem);
    const bad = signData('sha256-ecdsa', image, other.leafKeyPem);
    for (const b of [nodeBackend, nobleBackend]) {
      expect(b.verify('sha256-ecdsa', r.spkiDer, image, good)).toBe(true);
      expect(b.verify('sha256-ecdsa', r.spkiDer, image, bad)).toBe(false);
    }
  });
});
