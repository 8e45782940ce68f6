import { isIP } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { issueCert, loadOrCreateChain, type DevChain } from '../../pki/index.js';

/**
 * The cloud's TLS identity: a development CA (its root is what devices trust, like Amazon
 * Root CA 1; its intermediate signs the server certificate and CreateKeysAndCertificate
 * certificates) and a fresh server certificate naming the loopback endpoint.
 */

export interface ServerIdentity {
  chain: DevChain;
  /** PEM devices put in their trust store. */
  rootPem: string;
  /** The issuing CA for certificates the cloud makes itself. */
  issuer: { certPem: string; keyPem: string };
  certPem: string;
  keyPem: string;
  dnsNames: string[];
  ipAddresses: string[];
}

const LOOPBACK_IPS = ['127.0.0.1', '::1'];
const LOOPBACK_DNS = ['localhost'];

/** `<certsDir>/tls/ecdsa/`: made once, reused by later runs (devices keep trusting it). */
export async function loadServerIdentity(certsDir: string, host: string):
  Promise<ServerIdentity> {
  const chain = await loadOrCreateChain(path.join(certsDir, 'tls'), 'ecdsa');
  const isIp = isIP(host) !== 0;
  const dnsNames = [...LOOPBACK_DNS, ...(!isIp && !LOOPBACK_DNS.includes(host) ? [host] : [])];
  const ipAddresses = [...LOOPBACK_IPS, ...(isIp && !LOOPBACK_IPS.includes(host) ? [host] : [])];
  const server = await issueCert({
    issuerPem: chain.intermediatePem, issuerKeyPem: chain.intermediateKeyPem,
    subjectCN: dnsNames[0]!, kind: 'ecdsa', usage: 'serverAuth',
    altNames: { dns: dnsNames, ip: ipAddresses },
  });
  return {
    chain,
    rootPem: chain.rootPem,
    issuer: { certPem: chain.intermediatePem, keyPem: chain.intermediateKeyPem },
    certPem: server.certPem + chain.intermediatePem,
    keyPem: server.keyPem,
    dnsNames,
    ipAddresses,
  };
}

/**
 * Options for tls.createServer: TLS 1.2 and 1.3, a client certificate requested and required
 * (its absence is refused at CONNECT with a logged reason, not by a bare handshake alert), and
 * an SNI callback serving the same identity for the names it carries.
 */
export function serverTlsOptions(id: ServerIdentity, trustedPems: () => string[]):
  tls.TlsOptions {
  const base = {
    key: id.keyPem,
    cert: id.certPem,
    minVersion: 'TLSv1.2' as const,
    maxVersion: 'TLSv1.3' as const,
  };
  const context = tls.createSecureContext({ ...base, ca: trustedPems() });
  return {
    ...base,
    ca: trustedPems(),
    requestCert: true,
    // Chain and registry checks happen in the broker's authenticate hook, so an unknown CA
    // or a revoked certificate gets CONNACK "not authorized" with a reason in the log.
    rejectUnauthorized: false,
    SNICallback: (_servername, cb) => cb(null, context),
  };
}
