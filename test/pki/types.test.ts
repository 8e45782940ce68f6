import { describe, expect, it } from 'vitest';
import {
  hashOf,
  isSigAlg,
  keyAlgOf,
  SIG_ALGS,
  sigAlgFromNames,
  sigAlgFromSignatureAlgorithmName,
  signatureAlgorithmName,
  sigKeyName,
} from '../../src/pki/index.js';

describe('algorithm names (protocol.md §6.2, §6.4)', () => {
  it('builds the job-document key', () => {
    expect(sigKeyName('sha256-ecdsa')).toBe('sig-sha256-ecdsa');
    expect(sigKeyName('sha1-rsa')).toBe('sig-sha1-rsa');
  });

  it('combines customCodeSigning hash and signature names, lower-cased', () => {
    expect(sigAlgFromNames('SHA256', 'ECDSA')).toBe('sha256-ecdsa');
    expect(sigAlgFromNames('SHA1', 'RSA')).toBe('sha1-rsa');
    expect(sigAlgFromNames('', '')).toBe('-');
    expect(sigKeyName(sigAlgFromNames('', ''))).toBe('sig--');
  });

  it('maps each algorithm to the Signer name and back', () => {
    expect(SIG_ALGS.map(signatureAlgorithmName)).toEqual([
      'SHA256withECDSA', 'SHA256withRSA', 'SHA1withRSA', 'SHA1withECDSA',
    ]);
    for (const alg of SIG_ALGS) {
      expect(sigAlgFromSignatureAlgorithmName(signatureAlgorithmName(alg))).toBe(alg);
    }
  });

  it('splits an algorithm into hash and key type', () => {
    expect(SIG_ALGS.map((a) => [hashOf(a), keyAlgOf(a)])).toEqual([
      ['sha256', 'ecdsa'], ['sha256', 'rsa'], ['sha1', 'rsa'], ['sha1', 'ecdsa'],
    ]);
  });

  it('recognises only the four device algorithms', () => {
    expect(isSigAlg('sha256-ecdsa')).toBe(true);
    expect(isSigAlg('sha384-ecdsa')).toBe(false);
    expect(isSigAlg('-')).toBe(false);
  });
});
