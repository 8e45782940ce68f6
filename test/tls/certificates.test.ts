import { beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { CertificateRegistry, fingerprint } from '../../src/cloud/certificates.js';
import { createChain, issueCert, type DevChain } from '../../src/pki/index.js';

const account = { region: 'us-east-1', accountId: '123456789012' };

describe('CertificateRegistry.admit', () => {
  let cloudCa: DevChain;
  let maker: DevChain;
  let reg: CertificateRegistry;
  const things = new Set(['t1', 't2']);
  const der = (pem: string) => new X509Certificate(pem).raw;
  const leaf = (cn: string) => issueCert({ issuerPem: maker.intermediatePem,
    issuerKeyPem: maker.intermediateKeyPem, subjectCN: cn, kind: 'ecdsa', usage: 'clientAuth' });

  beforeAll(async () => {
    [cloudCa, maker] = await Promise.all([createChain({ kind: 'ecdsa', commonNamePrefix: 'c' }),
      createChain({ kind: 'ecdsa', commonNamePrefix: 'maker' })]);
    reg = new CertificateRegistry({ account, now: () => 1_700_000_000_000,
      thingExists: (n) => things.has(n),
      issuer: { certPem: cloudCa.intermediatePem, keyPem: cloudCa.intermediateKeyPem } });
  });

  it('refuses to delete a certificate attached to a thing, forceDelete or not', async () => {
    const { certPem } = await leaf('t2');
    const c = reg.registerWithoutCa({ certificatePem: certPem, status: 'INACTIVE' });
    reg.attach('t2', c.certificateArn);
    for (const force of [false, true]) {
      expect(() => reg.delete(c.certificateId, force)).toThrow(
        `Certificate ${c.certificateId} is attached to 1 thing(s); detach it first`);
    }
  });

  it('names the failing check: unregistered, unattached, CA inactive, then admits', async () => {
    const { certPem } = await leaf('t1');
    const id = fingerprint(der(certPem));
    const before = reg.admit(der(certPem), 't1');
    const ca = reg.registerCa({ caCertificate: maker.intermediatePem, setAsActive: true });
    const unregistered = reg.admit(der(certPem), 't1');
    const c = reg.registerCertificate({ certificatePem: certPem, setAsActive: true });
    const unattached = reg.admit(der(certPem), 't1');
    reg.attach('t1', c.certificateArn);
    reg.updateCa(ca.certificateId, 'INACTIVE');
    const caOff = reg.admit(der(certPem), 't1');
    reg.updateCa(ca.certificateId, 'ACTIVE');
    expect([before, unregistered, unattached, caOff, reg.admit(der(certPem), 't1')]).toEqual([
      { ok: false, certificateId: id,
        reason: 'certificate issued by an unknown CA (CN=maker Intermediate CA)' },
      { ok: false, certificateId: id, reason: `certificate ${id} is not registered` },
      { ok: false, certificateId: id, reason: `certificate ${id} is not attached to a thing` },
      { ok: false, certificateId: id, reason: `CA certificate ${ca.certificateId} is INACTIVE` },
      { ok: true, certificateId: id, thingName: 't1' },
    ]);
    expect(c.caCertificateId).toBe(ca.certificateId);
  });

  it('tells listeners about status changes and keeps REVOKED final', async () => {
    const { certPem } = await leaf('t2');
    const c = reg.registerCertificate({ certificatePem: certPem, setAsActive: true });
    const seen: string[] = [];
    reg.onStatusChange((x) => { if (x.certificateId === c.certificateId) seen.push(x.status); });
    reg.update(c.certificateId, 'INACTIVE');
    reg.update(c.certificateId, 'REVOKED');
    expect(() => reg.update(c.certificateId, 'ACTIVE')).toThrow(/is REVOKED/);
    expect(seen).toEqual(['INACTIVE', 'REVOKED']);
    expect(c.customerVersion).toBe(3);
  });

  it('refuses a second registration and an attachment to an unknown thing', async () => {
    const { certPem } = await leaf('t3');
    const c = reg.registerCertificate({ certificatePem: certPem });
    expect(c.status).toBe('INACTIVE');
    expect(() => reg.registerCertificate({ certificatePem: certPem }))
      .toThrow('The certificate is already registered');
    expect(() => reg.attach('nope', c.certificateArn)).toThrow('Thing nope cannot be found.');
  });
});
