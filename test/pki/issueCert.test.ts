import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { createChain, issueCert, type DevChain } from '../../src/pki/index.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

describe('issueCert', () => {
  let ca: DevChain;
  let rsaCa: DevChain;
  beforeAll(async () => {
    [ca, rsaCa] = await Promise.all([
      createChain({ kind: 'ecdsa', commonNamePrefix: 'tls' }),
      createChain({ kind: 'rsa2048', commonNamePrefix: 'tls-rsa' }),
    ]);
  });

  const fromInter = (c: DevChain) =>
    ({ issuerPem: c.intermediatePem, issuerKeyPem: c.intermediateKeyPem });

  it('issues a client cert signed by the given ECDSA CA', async () => {
    const { certPem, keyPem } = await issueCert({
      ...fromInter(ca), subjectCN: 'thing-0001', kind: 'ecdsa', usage: 'clientAuth',
    });
    const cert = new X509Certificate(certPem);
    const issuer = new X509Certificate(ca.intermediatePem);
    expect(cert.checkIssued(issuer) && cert.verify(issuer.publicKey)).toBe(true);
    expect(cert.subject).toBe('CN=thing-0001');
    expect(cert.issuer).toBe('CN=tls Intermediate CA');
    expect(cert.keyUsage).toEqual([CLIENT_AUTH]);
    expect(cert.ca).toBe(false);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
  });

  it('issues under an RSA CA with sha256WithRSAEncryption', async () => {
    const { certPem } = await issueCert({
      ...fromInter(rsaCa), subjectCN: 'thing-rsa', kind: 'ecdsa', usage: 'clientAuth',
    });
    const cert = new X509Certificate(certPem);
    expect(cert.verify(new X509Certificate(rsaCa.intermediatePem).publicKey)).toBe(true);
    const alg = new x509.X509Certificate(certPem).signatureAlgorithm;
    expect(alg.name).toBe('RSASSA-PKCS1-v1_5');
  });

  it('writes extensions a second parser reads back', async () => {
    const { certPem } = await issueCert({
      ...fromInter(ca), subjectCN: 'srv', kind: 'ecdsa', usage: 'serverAuth',
      altNames: { dns: ['localhost'], ip: ['127.0.0.1'] },
    });
    const cert = new x509.X509Certificate(certPem);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.critical).toBe(true);
    expect(cert.getExtension(x509.KeyUsagesExtension)?.usages)
      .toBe(x509.KeyUsageFlags.digitalSignature);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([SERVER_AUTH]);
    const inter = new x509.X509Certificate(ca.intermediatePem);
    const interSki = inter.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(interSki);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);
    expect(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]);
  });

  it('encodes IPv6 alt names, including compressed and v4-mapped forms', async () => {
    const { certPem } = await issueCert({
      issuerPem: ca.rootPem, issuerKeyPem: ca.rootKeyPem, subjectCN: 'v6', kind: 'ecdsa',
      usage: 'serverAuth', altNames: { ip: ['::1', 'fe80::a:1', '::ffff:10.0.0.1', '2001:db8::'] },
    });
    expect(new X509Certificate(certPem).subjectAltName).toBe(
      'IP Address:0:0:0:0:0:0:0:1, IP Address:FE80:0:0:0:0:0:A:1, ' +
      'IP Address:0:0:0:0:0:FFFF:A00:1, IP Address:2001:DB8:0:0:0:0:0:0',
    );
  });

  it('rejects an alt name that is not an IP address', async () => {
    await expect(issueCert({
      ...fromInter(ca), subjectCN: 'x', kind: 'ecdsa', usage: 'serverAuth',
      altNames: { ip: ['localhost'] },
    })).rejects.toThrow('issueCert: not an IP address: localhost');
  });

  it('keeps a CN with a comma as one attribute', async () => {
    const { certPem } = await issueCert({
      ...fromInter(ca), subjectCN: 'a,b=c', kind: 'ecdsa', usage: 'clientAuth',
    });
    expect(new X509Certificate(certPem).subject).toBe('CN=a\\,b=c');
  });

  it('uses UTCTime before 2050 and GeneralizedTime after', async () => {
    const { certPem } = await issueCert({
      ...fromInter(ca), subjectCN: 'dates', kind: 'ecdsa', usage: 'clientAuth',
      notBefore: new Date('2049-12-31T23:59:59Z'), notAfter: new Date('2051-06-01T12:00:00Z'),
    });
    const cert = new x509.X509Certificate(certPem);
    expect(cert.notBefore.toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(cert.notAfter.toISOString()).toBe('2051-06-01T12:00:00.000Z');
    expect(new X509Certificate(certPem).validTo).toBe('Jun  1 12:00:00 2051 GMT');
  });

  it('reuses a supplied key', async () => {
    const first = await issueCert({
      ...fromInter(ca), subjectCN: 'k1', kind: 'ecdsa', usage: 'clientAuth',
    });
    const second = await issueCert({
      ...fromInter(ca), subjectCN: 'k2', kind: 'ecdsa', usage: 'clientAuth', keyPem: first.keyPem,
    });
    expect(second.keyPem).toBe(first.keyPem);
    const a = new X509Certificate(first.certPem).publicKey.export({ type: 'spki', format: 'der' });
    const b = new X509Certificate(second.certPem).publicKey.export({ type: 'spki', format: 'der' });
    expect(b.equals(a)).toBe(true);
  });

  describe('mutual TLS on loopback', () => {
    let server: Server | undefined;
    afterEach(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    });

    it('server and client certs from issueCert complete a verified handshake', async () => {
      const srv = await issueCert({
        ...fromInter(ca), subjectCN: 'localhost', kind: 'ecdsa', usage: 'serverAuth',
        altNames: { dns: ['localhost'], ip: ['127.0.0.1'] },
      });
      const cli = await issueCert({
        ...fromInter(ca), subjectCN: 'thing-tls', kind: 'ecdsa', usage: 'clientAuth',
      });
      let peerCN = '';
      server = createServer({
        key: srv.keyPem, cert: srv.certPem + ca.intermediatePem, ca: [ca.rootPem],
        requestCert: true, rejectUnauthorized: true,
      }, (sock) => {
        peerCN = String(sock.getPeerCertificate().subject.CN);
        sock.end('ok');
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      const reply = await new Promise<string>((resolve, reject) => {
        const sock: TLSSocket = connect({
          host: '127.0.0.1', port, servername: 'localhost', ca: [ca.rootPem],
          key: cli.keyPem, cert: cli.certPem + ca.intermediatePem,
        });
        let data = '';
        sock.on('data', (d) => (data += d));
        sock.on('end', () => resolve(data));
        sock.on('error', reject);
      });
      expect(reply).toBe('ok');
      expect(peerCN).toBe('thing-tls');
    });
  });
});
