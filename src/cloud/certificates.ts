import { createHash, X509Certificate } from 'node:crypto';
import { ApiError } from '../protocol/errors.js';
import type { Account } from '../protocol/arn.js';
import { issueCert } from '../pki/index.js';

/**
 * X.509 certificates and CA certificates of IoT Core's registry, their attachment to things,
 * and the one question the broker asks at CONNECT: may this certificate connect as this
 * client id? Shapes and status values follow the IoT model (RegisterCertificate et al.).
 */

export type CertStatus =
  | 'ACTIVE' | 'INACTIVE' | 'REVOKED' | 'PENDING_TRANSFER' | 'REGISTER_INACTIVE'
  | 'PENDING_ACTIVATION';
export type CaStatus = 'ACTIVE' | 'INACTIVE';

const CERT_STATUSES: CertStatus[] = ['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_TRANSFER',
  'REGISTER_INACTIVE', 'PENDING_ACTIVATION'];

export interface CertRecord {
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
  /** Absent for certificates the cloud itself issued (CreateKeysAndCertificate). */
  caCertificateId?: string;
  status: CertStatus;
  creationDate: number;
  lastModifiedDate: number;
  customerVersion: number;
  generationId: string;
  notBefore: number;
  notAfter: number;
}

export interface CaRecord {
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
  status: CaStatus;
  autoRegistrationStatus: 'ENABLE' | 'DISABLE';
  creationDate: number;
  lastModifiedDate: number;
  customerVersion: number;
  generationId: string;
  x509: X509Certificate;
}

export type Admission =
  | { ok: true; thingName: string; certificateId: string }
  | { ok: false; reason: string; certificateId?: string };

export interface CertificateRegistryOptions {
  account: Account;
  now(): number;
  thingExists(name: string): boolean;
  /** The cloud's own issuing CA (what CreateKeysAndCertificate signs with); always trusted. */
  issuer: { certPem: string; keyPem: string };
}

type CertErrorType = 'CertificateStateException' | 'CertificateValidationException'
  | 'CertificateConflictException';

export function certError(type: CertErrorType, message: string): ApiError {
  return new ApiError(type, message);
}

export const fingerprint = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

function parsePem(pem: unknown, field: string): X509Certificate {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ApiError('InvalidRequestException', `${field} must be a PEM certificate`);
  }
  try {
    return new X509Certificate(pem);
  } catch (e) {
    throw certError('CertificateValidationException',
      `${field} cannot be parsed: ${(e as Error).message}`);
  }
}

const CERT_ARN = /^arn:aws[a-z-]*:iot:[^:]*:[^:]*:cert\/([0-9a-f]{64})$/;

export class CertificateRegistry {
  readonly certs = new Map<string, CertRecord>();
  readonly cas = new Map<string, CaRecord>();
  private readonly thingsOfCert = new Map<string, Set<string>>();
  private readonly certsOfThing = new Map<string, Set<string>>();
  private readonly builtIn: X509Certificate;
  private readonly listeners: Array<(c: CertRecord) => void> = [];
  private generation = 0;

  constructor(private readonly o: CertificateRegistryOptions) {
    this.builtIn = new X509Certificate(o.issuer.certPem);
  }

  /** Called after a certificate's status changed (the broker drops its live connections). */
  onStatusChange(fn: (c: CertRecord) => void): void {
    this.listeners.push(fn);
  }

  private arn(kind: 'cert' | 'cacert', id: string): string {
    return `arn:aws:iot:${this.o.account.region}:${this.o.account.accountId}:${kind}/${id}`;
  }

  private nextGeneration(): string {
    this.generation += 1;
    return `${this.o.now().toString(16)}-${this.generation}`;
  }

  // ---- CA certificates -------------------------------------------------------------------

  registerCa(input: { caCertificate?: unknown; setAsActive?: boolean;
    allowAutoRegistration?: boolean }): CaRecord {
    const x = parsePem(input.caCertificate, 'caCertificate');
    if (!x.ca) {
      throw certError('CertificateValidationException',
        'caCertificate is not a CA certificate (basicConstraints cA is not set)');
    }
    const id = fingerprint(x.raw);
    const existing = this.cas.get(id);
    if (existing) {
      throw new ApiError('ResourceAlreadyExistsException',
        'The CA certificate is already registered',
        { resourceId: id, resourceArn: existing.certificateArn });
    }
    // TODO(fidelity): the verification certificate signed over a registration code (DEFAULT
    // mode) is not demanded; a local cloud has no GetRegistrationCode.
    const now = this.o.now();
    const rec: CaRecord = {
      certificateId: id, certificateArn: this.arn('cacert', id), certificatePem: x.toString(),
      status: input.setAsActive ? 'ACTIVE' : 'INACTIVE',
      autoRegistrationStatus: input.allowAutoRegistration ? 'ENABLE' : 'DISABLE',
      creationDate: now, lastModifiedDate: now, customerVersion: 1,
      generationId: this.nextGeneration(), x509: x,
    };
    this.cas.set(id, rec);
    return rec;
  }

  getCa(id: string): CaRecord {
    const ca = this.cas.get(id);
    if (!ca) throw new ApiError('ResourceNotFoundException', `CA certificate ${id} does not exist`);
    return ca;
  }

  updateCa(id: string, newStatus: string | null): CaRecord {
    const ca = this.getCa(id);
    if (newStatus !== null) {
      if (newStatus !== 'ACTIVE' && newStatus !== 'INACTIVE') {
        throw new ApiError('InvalidRequestException',
          `newStatus '${newStatus}' must be ACTIVE or INACTIVE`);
      }
      ca.status = newStatus;
      ca.lastModifiedDate = this.o.now();
      ca.customerVersion += 1;
      ca.generationId = this.nextGeneration();
      // TODO(fidelity): live connections of certificates under a deactivated CA stay up; only
      // new connections are refused.
    }
    return ca;
  }

  /** The registered (or built-in) CA that directly signed `x`, if any. */
  private issuerOf(x: X509Certificate): { caId?: string; subject: string } | undefined {
    for (const ca of this.cas.values()) {
      if (x.checkIssued(ca.x509) && x.verify(ca.x509.publicKey)) {
        return { caId: ca.certificateId, subject: ca.x509.subject };
      }
    }
    if (x.checkIssued(this.builtIn) && x.verify(this.builtIn.publicKey)) {
      return { subject: this.builtIn.subject };
    }
    return undefined;
  }

  // ---- device certificates ---------------------------------------------------------------

  private add(x: X509Certificate, status: CertStatus, caId: string | undefined): CertRecord {
    const id = fingerprint(x.raw);
    const existing = this.certs.get(id);
    if (existing) {
      throw new ApiError('ResourceAlreadyExistsException', 'The certificate is already registered',
        { resourceId: id, resourceArn: existing.certificateArn });
    }
    const now = this.o.now();
    const rec: CertRecord = {
      certificateId: id, certificateArn: this.arn('cert', id), certificatePem: x.toString(),
      caCertificateId: caId, status, creationDate: now, lastModifiedDate: now,
      customerVersion: 1, generationId: this.nextGeneration(),
      notBefore: Date.parse(x.validFrom), notAfter: Date.parse(x.validTo),
    };
    this.certs.set(id, rec);
    return rec;
  }

  private initialStatus(setAsActive: boolean | undefined, status: unknown): CertStatus {
    if (setAsActive) return 'ACTIVE';
    if (status === undefined || status === null) return 'INACTIVE';
    if (!CERT_STATUSES.includes(status as CertStatus)) {
      throw new ApiError('InvalidRequestException', `status '${String(status)}' is not one of ` +
        CERT_STATUSES.join(', '));
    }
    return status as CertStatus;
  }

  async createKeysAndCertificate(setAsActive: boolean):
    Promise<{ rec: CertRecord; keyPair: { PublicKey: string; PrivateKey: string } }> {
    const { certPem, keyPem } = await issueCert({
      issuerPem: this.o.issuer.certPem, issuerKeyPem: this.o.issuer.keyPem,
      subjectCN: 'AWS IoT Certificate', kind: 'ecdsa', usage: 'clientAuth',
    });
    const x = new X509Certificate(certPem);
    const rec = this.add(x, setAsActive ? 'ACTIVE' : 'INACTIVE', undefined);
    const publicKey = x.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    return { rec, keyPair: { PublicKey: publicKey, PrivateKey: keyPem } };
  }

  registerCertificate(input: { certificatePem?: unknown; caCertificatePem?: unknown;
    setAsActive?: boolean; status?: unknown }): CertRecord {
    const x = parsePem(input.certificatePem, 'certificatePem');
    const status = this.initialStatus(input.setAsActive, input.status);
    if (input.caCertificatePem !== undefined) {
      const ca = parsePem(input.caCertificatePem, 'caCertificatePem');
      if (!this.cas.has(fingerprint(ca.raw))) {
        throw new ApiError('ResourceNotFoundException',
          'caCertificatePem is not a registered CA certificate');
      }
    }
    const issuer = this.issuerOf(x);
    if (!issuer) {
      throw certError('CertificateValidationException',
        `The certificate is not signed by a registered CA (issuer ${x.issuer})`);
    }
    return this.add(x, status, issuer.caId);
  }

  registerWithoutCa(input: { certificatePem?: unknown; status?: unknown }): CertRecord {
    const x = parsePem(input.certificatePem, 'certificatePem');
    return this.add(x, this.initialStatus(false, input.status), undefined);
  }

  get(id: string): CertRecord {
    const c = this.certs.get(id);
    if (!c) {
      throw new ApiError('ResourceNotFoundException', `The certificate ${id} does not exist`);
    }
    return c;
  }

  update(id: string, newStatus: string | null): CertRecord {
    const c = this.get(id);
    if (newStatus !== 'ACTIVE' && newStatus !== 'INACTIVE' && newStatus !== 'REVOKED') {
      throw new ApiError('InvalidRequestException',
        `newStatus '${String(newStatus)}' must be ACTIVE, INACTIVE or REVOKED`);
    }
    if (c.status === 'REVOKED' && newStatus !== 'REVOKED') {
      throw certError('CertificateStateException',
        `Certificate ${id} is REVOKED; a revoked certificate cannot change status`);
    }
    if (c.status === newStatus) return c;
    c.status = newStatus;
    c.lastModifiedDate = this.o.now();
    c.customerVersion += 1;
    c.generationId = this.nextGeneration();
    for (const fn of this.listeners) fn(c);
    return c;
  }

  delete(id: string, force: boolean): void {
    const c = this.get(id);
    if (c.status === 'ACTIVE') {
      throw certError('CertificateStateException',
        `Certificate ${id} is ACTIVE; set it INACTIVE before deleting it`);
    }
    // forceDelete only skips the policy check (no policies here): attached things still block.
    void force;
    const things = this.thingsOfCert.get(id);
    if (things?.size) {
      throw new ApiError('DeleteConflictException',
        `Certificate ${id} is attached to ${things.size} thing(s); detach it first`);
    }
    this.thingsOfCert.delete(id);
    this.certs.delete(id);
  }

  // ---- principals ------------------------------------------------------------------------

  private certOfPrincipal(principal: string | undefined): CertRecord {
    if (!principal) throw new ApiError('InvalidRequestException', 'principal is required');
    const m = CERT_ARN.exec(principal);
    if (!m) {
      throw new ApiError('InvalidRequestException',
        `principal '${principal}' is not a certificate ARN (…:cert/<64 hex>)`);
    }
    return this.get(m[1]!);
  }

  private requireThing(name: string): void {
    if (!this.o.thingExists(name)) {
      throw new ApiError('ResourceNotFoundException', `Thing ${name} cannot be found.`);
    }
  }

  attach(thingName: string, principal: string | undefined): void {
    this.requireThing(thingName);
    const c = this.certOfPrincipal(principal);
    let things = this.thingsOfCert.get(c.certificateId);
    if (!things) this.thingsOfCert.set(c.certificateId, (things = new Set()));
    things.add(thingName);
    let certs = this.certsOfThing.get(thingName);
    if (!certs) this.certsOfThing.set(thingName, (certs = new Set()));
    certs.add(c.certificateId);
  }

  /** Effective for new connections; a live one keeps its session (as in IoT Core). */
  detach(thingName: string, principal: string | undefined): void {
    this.requireThing(thingName);
    const c = this.certOfPrincipal(principal);
    this.thingsOfCert.get(c.certificateId)?.delete(thingName);
    this.certsOfThing.get(thingName)?.delete(c.certificateId);
  }

  principalsOf(thingName: string): string[] {
    this.requireThing(thingName);
    return [...this.certsOfThing.get(thingName) ?? []].map((id) => this.get(id).certificateArn);
  }

  thingsOf(principal: string | undefined): string[] {
    const c = this.certOfPrincipal(principal);
    return [...this.thingsOfCert.get(c.certificateId) ?? []];
  }

  // ---- the CONNECT decision --------------------------------------------------------------

  /**
   * Whether the TLS peer certificate `der` may connect with `clientId`. The TLS layer has
   * already proved possession of the key; this checks trust, status and the thing binding.
   * A refusal's reason names the first check that failed.
   */
  admit(der: Uint8Array | undefined, clientId: string): Admission {
    if (!der || der.length === 0) return { ok: false, reason: 'no client certificate presented' };
    const id = fingerprint(der);
    const c = this.certs.get(id);
    if (!c) {
      let issuer: { caId?: string; subject: string } | undefined;
      let issuerName = 'unreadable certificate';
      try {
        const x = new X509Certificate(Buffer.from(der));
        issuerName = x.issuer.replace(/\n/g, ', ');
        issuer = this.issuerOf(x);
      } catch { /* an unparsable certificate has no known issuer */ }
      const reason = issuer
        ? `certificate ${id} is not registered`
        : `certificate issued by an unknown CA (${issuerName})`;
      return { ok: false, reason, certificateId: id };
    }
    if (c.status !== 'ACTIVE') {
      return { ok: false, reason: `certificate ${id} is ${c.status}`, certificateId: id };
    }
    const ca = c.caCertificateId ? this.cas.get(c.caCertificateId) : undefined;
    if (c.caCertificateId && ca?.status !== 'ACTIVE') {
      return { ok: false, reason: `CA certificate ${c.caCertificateId} is ` +
        `${ca?.status ?? 'deleted'}`, certificateId: id };
    }
    const now = Date.now();
    if (now < c.notBefore || now > c.notAfter) {
      return { ok: false, reason: `certificate ${id} is outside its validity period`,
        certificateId: id };
    }
    const things = this.thingsOfCert.get(id);
    if (!things?.size) {
      return { ok: false, reason: `certificate ${id} is not attached to a thing`,
        certificateId: id };
    }
    if (!things.has(clientId)) {
      return { ok: false, certificateId: id, reason: `client id '${clientId}' does not match ` +
        `the thing attached to the certificate (${[...things].join(', ')})` };
    }
    return { ok: true, thingName: clientId, certificateId: id };
  }
}
