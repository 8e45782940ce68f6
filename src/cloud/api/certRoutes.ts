import { ApiError } from '../../protocol/errors.js';
import type { CaRecord, CertificateRegistry, CertRecord } from '../certificates.js';
import type { Router, Request } from './router.js';
import { paginate } from './paginate.js';
import { epoch } from './shapes.js';

/**
 * The certificate half of the IoT registry on the model's paths (iot 2015-05-28):
 * CreateKeysAndCertificate, Register(CA)Certificate, Describe/Update/List/Delete, and the
 * thing ↔ principal attachments (principal in the `x-amzn-principal` header).
 */

const flag = (q: URLSearchParams, k: string) => q.get(k) === 'true';

function principalHeader(req: Request): string | undefined {
  const v = req.headers['x-amzn-principal'];
  return Array.isArray(v) ? v[0] : v;
}

export function describeCert(c: CertRecord) {
  return {
    certificateArn: c.certificateArn,
    certificateId: c.certificateId,
    ...(c.caCertificateId ? { caCertificateId: c.caCertificateId } : {}),
    status: c.status,
    certificatePem: c.certificatePem,
    ownedBy: c.certificateArn.split(':')[4],
    creationDate: epoch(c.creationDate),
    lastModifiedDate: epoch(c.lastModifiedDate),
    customerVersion: c.customerVersion,
    generationId: c.generationId,
    validity: { notBefore: epoch(c.notBefore), notAfter: epoch(c.notAfter) },
    certificateMode: 'DEFAULT',
  };
}

function describeCa(c: CaRecord) {
  return {
    certificateArn: c.certificateArn,
    certificateId: c.certificateId,
    status: c.status,
    certificatePem: c.certificatePem,
    ownedBy: c.certificateArn.split(':')[4],
    creationDate: epoch(c.creationDate),
    autoRegistrationStatus: c.autoRegistrationStatus,
    lastModifiedDate: epoch(c.lastModifiedDate),
    customerVersion: c.customerVersion,
    generationId: c.generationId,
    validity: { notBefore: epoch(Date.parse(c.x509.validFrom)),
      notAfter: epoch(Date.parse(c.x509.validTo)) },
    certificateMode: 'DEFAULT',
  };
}

/** ListCertificates pages with pageSize/marker, not maxResults/nextToken. */
function markerPage<T>(items: T[], q: URLSearchParams): { page: T[]; nextMarker?: string } {
  const query = new URLSearchParams();
  const size = q.get('pageSize');
  if (size !== null) query.set('maxResults', size);
  const marker = q.get('marker');
  if (marker !== null) query.set('nextToken', marker);
  const { page, nextToken } = paginate(items, query);
  return { page, nextMarker: nextToken };
}

function byCreation<T extends { creationDate: number }>(items: T[], q: URLSearchParams): T[] {
  const asc = q.get('isAscendingOrder') === 'true';
  return items.sort((a, b) => (asc ? 1 : -1) * (a.creationDate - b.creationDate));
}

export function addCertRoutes(r: Router, certs: CertificateRegistry): void {
  r.add('POST', '/keys-and-certificate', 'CreateKeysAndCertificate', async (req) => {
    const { rec, keyPair } = await certs.createKeysAndCertificate(flag(req.query, 'setAsActive'));
    return { body: { certificateArn: rec.certificateArn, certificateId: rec.certificateId,
      certificatePem: rec.certificatePem, keyPair } };
  });
  r.add('POST', '/cacertificate', 'RegisterCACertificate', (req) => {
    const b = req.json();
    const ca = certs.registerCa({ caCertificate: b.caCertificate,
      setAsActive: flag(req.query, 'setAsActive'),
      allowAutoRegistration: flag(req.query, 'allowAutoRegistration') });
    return { body: { certificateArn: ca.certificateArn, certificateId: ca.certificateId } };
  });
  r.add('GET', '/cacertificate/{caCertificateId}', 'DescribeCACertificate', (req) =>
    ({ body: { certificateDescription: describeCa(certs.getCa(req.params.caCertificateId!)) } }));
  r.add('PUT', '/cacertificate/{caCertificateId}', 'UpdateCACertificate', (req) => {
    certs.updateCa(req.params.caCertificateId!, req.query.get('newStatus'));
    return { body: {} };
  });
  r.add('GET', '/cacertificates', 'ListCACertificates', (req) => {
    const { page, nextMarker } = markerPage(byCreation([...certs.cas.values()], req.query),
      req.query);
    return { body: { certificates: page.map((c) => ({ certificateArn: c.certificateArn,
      certificateId: c.certificateId, status: c.status, creationDate: epoch(c.creationDate) })),
    nextMarker } };
  });

  r.add('POST', '/certificate/register', 'RegisterCertificate', (req) => {
    const b = req.json();
    const c = certs.registerCertificate({ certificatePem: b.certificatePem,
      caCertificatePem: b.caCertificatePem, setAsActive: flag(req.query, 'setAsActive'),
      status: b.status });
    return { body: { certificateArn: c.certificateArn, certificateId: c.certificateId } };
  });
  r.add('POST', '/certificate/register-no-ca', 'RegisterCertificateWithoutCA', (req) => {
    const b = req.json();
    const c = certs.registerWithoutCa({ certificatePem: b.certificatePem, status: b.status });
    return { body: { certificateArn: c.certificateArn, certificateId: c.certificateId } };
  });
  r.add('GET', '/certificates/{certificateId}', 'DescribeCertificate', (req) =>
    ({ body: { certificateDescription: describeCert(certs.get(req.params.certificateId!)) } }));
  r.add('PUT', '/certificates/{certificateId}', 'UpdateCertificate', (req) => {
    certs.update(req.params.certificateId!, req.query.get('newStatus'));
    return { body: {} };
  });
  r.add('DELETE', '/certificates/{certificateId}', 'DeleteCertificate', (req) => {
    certs.delete(req.params.certificateId!, flag(req.query, 'forceDelete'));
    return { body: {} };
  });
  r.add('GET', '/certificates', 'ListCertificates', (req) => {
    const { page, nextMarker } = markerPage(byCreation([...certs.certs.values()], req.query),
      req.query);
    return { body: { certificates: page.map((c) => ({ certificateArn: c.certificateArn,
      certificateId: c.certificateId, status: c.status, certificateMode: 'DEFAULT',
      creationDate: epoch(c.creationDate) })), nextMarker } };
  });

  r.add('PUT', '/things/{thingName}/principals', 'AttachThingPrincipal', (req) => {
    const type = req.query.get('thingPrincipalType');
    if (type !== null && type !== 'EXCLUSIVE_THING' && type !== 'NON_EXCLUSIVE_THING') {
      throw new ApiError('InvalidRequestException',
        `thingPrincipalType '${type}' must be EXCLUSIVE_THING or NON_EXCLUSIVE_THING`);
    }
    // TODO(fidelity): EXCLUSIVE_THING is accepted but not enforced as exclusive.
    certs.attach(req.params.thingName!, principalHeader(req));
    return { body: {} };
  });
  r.add('DELETE', '/things/{thingName}/principals', 'DetachThingPrincipal', (req) => {
    certs.detach(req.params.thingName!, principalHeader(req));
    return { body: {} };
  });
  r.add('GET', '/things/{thingName}/principals', 'ListThingPrincipals', (req) => {
    const { page, nextToken } = paginate(certs.principalsOf(req.params.thingName!), req.query);
    return { body: { principals: page, nextToken } };
  });
  r.add('GET', '/principals/things', 'ListPrincipalThings', (req) => {
    const { page, nextToken } = paginate(certs.thingsOf(principalHeader(req)), req.query);
    return { body: { things: page, nextToken } };
  });
}
