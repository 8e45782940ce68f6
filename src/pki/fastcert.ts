/**
 * Hand-assembled DER for the one certificate shape issued in bulk: an ECDSA P-256 TLS leaf
 * (thing client cert or loopback server cert). @peculiar/x509 needs ~2 ms per certificate in
 * its generic ASN.1 layer; fleets issue thousands, so this path builds the fixed TBS layout
 * (RFC 5280 §4.1) directly and signs it with node:crypto. CA certificates still come from
 * @peculiar/x509 in chain.ts.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { encodeTlv, spkiKeyBits } from './der.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const cat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));
const seq = (...parts: Uint8Array[]) => encodeTlv(0x30, cat(...parts));

function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [];
  const push = (n: number) => {
    const groups = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) {
      groups.unshift(0x80 | (v & 0x7f));
    }
    out.push(...groups);
  };
  push(arcs[0] * 40 + arcs[1]);
  arcs.slice(2).forEach(push);
  return encodeTlv(0x06, Uint8Array.from(out));
}

const ALG_ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const ALG_RSA_SHA256 = seq(oid('1.2.840.113549.1.1.11'), hex('0500'));
const VERSION_3 = hex('a003020102');
const TRUE = hex('0101ff');

export const EKU_OIDS = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
} as const;

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return seq(oid(id), ...(critical ? [TRUE] : []), encodeTlv(0x04, value));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(d: Date): Uint8Array {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  const year = d.getUTCFullYear();
  if (year >= 1950 && year < 2050) return encodeTlv(0x17, Buffer.from(digits.slice(2), 'ascii'));
  return encodeTlv(0x18, Buffer.from(digits, 'ascii'));
}

function ipBytes(ip: string): Uint8Array {
  const family = isIP(ip);
  if (family === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (family !== 6) throw new Error(`issueCert: not an IP address: ${ip}`);
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (v4) {
    tail = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + '0:0';
  }
  const [head, rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array(8 - left.length - right.length).fill('0');
  const groups = [...left, ...fill, ...right].map((g) => parseInt(g, 16));
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (v4) out.set(tail, 12);
  return out;
}

export interface FastIssuer {
  key: KeyObject;
  /** DER of the issuer's subject Name, copied verbatim so chain matching is byte-exact. */
  subjectDer: Uint8Array;
  /** Hex subject key identifier of the issuer. */
  keyId: string;
}

export interface FastLeafParams {
  serial: Uint8Array;
  subjectCN: string;
  spki: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  usage: keyof typeof EKU_OIDS;
  dns: string[];
  ip: string[];
}

export function keyIdOf(spki: Uint8Array): string {
  const bits = spkiKeyBits(spki);
  if (!bits) throw new Error('issueCert: malformed SubjectPublicKeyInfo');
  return createHash('sha1').update(bits).digest('hex');
}

/** Returns the certificate DER. */
export function buildLeafCert(issuer: FastIssuer, p: FastLeafParams): Uint8Array {
  const isEc = issuer.key.asymmetricKeyType === 'ec';
  const sigAlg = isEc ? ALG_ECDSA_SHA256 : ALG_RSA_SHA256;
  const cn = seq(oid('2.5.4.3'), encodeTlv(0x0c, Buffer.from(p.subjectCN, 'utf8')));
  const subject = seq(encodeTlv(0x31, cn));
  const names = [
    ...p.dns.map((d) => encodeTlv(0x82, Buffer.from(d, 'ascii'))),
    ...p.ip.map((a) => encodeTlv(0x87, ipBytes(a))),
  ];
  const exts = [
    extension('2.5.29.19', true, seq()),
    extension('2.5.29.15', true, hex('03020780')), // digitalSignature only
    extension('2.5.29.37', false, seq(oid(EKU_OIDS[p.usage]))),
    ...(names.length ? [extension('2.5.29.17', false, seq(...names))] : []),
    extension('2.5.29.14', false, encodeTlv(0x04, hex(keyIdOf(p.spki)))),
    extension('2.5.29.35', false, seq(encodeTlv(0x80, hex(issuer.keyId)))),
  ];
  const tbs = seq(
    VERSION_3,
    encodeTlv(0x02, p.serial),
    sigAlg,
    issuer.subjectDer,
    seq(time(p.notBefore), time(p.notAfter)),
    subject,
    p.spki,
    encodeTlv(0xa3, seq(...exts)),
  );
  const signer = isEc ? { key: issuer.key, dsaEncoding: 'der' as const } : issuer.key;
  const signature = sign('sha256', tbs, signer);
  return seq(tbs, sigAlg, encodeTlv(0x03, cat(Uint8Array.of(0), signature)));
}
