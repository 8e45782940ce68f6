import type { CloudCore } from '../core.js';
import type { Router } from './router.js';
import { SIGNING_PLATFORMS } from '../signer.js';
import { epoch } from './shapes.js';

/** The AWS Signer operations `aws signer` needs (model paths of signer 2017-08-25). */
export function addSignerRoutes(r: Router, c: CloudCore): void {
  r.add('GET', '/signing-platforms', 'ListSigningPlatforms', () => ({
    body: { platforms: SIGNING_PLATFORMS.map(({ alg: _alg, ...p }) => p) },
  }));
  r.add('PUT', '/signing-profiles/{profileName}', 'PutSigningProfile', (req) => {
    const b = req.json() as Parameters<typeof c.signer.putProfile>[0];
    const p = c.signer.putProfile({ ...b, profileName: req.params.profileName! });
    return { body: { arn: p.arn, profileVersion: p.profileVersion,
      profileVersionArn: p.profileVersionArn } };
  });
  r.add('GET', '/signing-profiles/{profileName}', 'GetSigningProfile', (req) => {
    const p = c.signer.getProfile(req.params.profileName!);
    return { body: p };
  });
  r.add('POST', '/signing-jobs', 'StartSigningJob', (req) => {
    const b = req.json() as Parameters<typeof c.signer.startJob>[0];
    const job = c.signer.startJob(b);
    return { body: { jobId: job.jobId, jobOwner: job.jobOwner } };
  });
  r.add('GET', '/signing-jobs/{jobId}', 'DescribeSigningJob', (req) => {
    const { signature: _s, signatureAlgorithm: _a, rawPayloadSize: _r, alg: _g, ...job } =
      c.signer.getJob(req.params.jobId!);
    return { body: { ...job, createdAt: epoch(job.createdAt),
      completedAt: epoch(job.completedAt) } };
  });
}
