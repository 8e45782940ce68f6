import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CloudCore } from '../../src/cloud/core.js';
import { loadChains } from '../../src/cloud/cloud.js';
import type { DevChain, KeyKind } from '../../src/pki/index.js';
import { getBackend } from '../../src/pki/index.js';
import { X509Certificate } from 'node:crypto';
import { CERTS_DIR, firmware } from '../helpers.js';

const ROLE = 'arn:aws:iam::123456789012:role/ota';
const THING = 'arn:aws:iot:us-east-1:123456789012:thing/t1';

describe('CreateOTAUpdate behind the scenes (§1.4–1.6)', () => {
  let chains: Map<KeyKind, DevChain>;
  beforeAll(async () => { chains = await loadChains(CERTS_DIR); });

  function setup() {
    const core = new CloudCore({
      clock: new ManualClock(), account: { region: 'us-east-1', accountId: '123456789012' },
      chains: (k) => chains.get(k)!, publish: () => {},
    });
    core.registry.createThing('t1');
    const image = firmware(9000);
    core.objects.put('fw', 'app.bin', image);
    return { core, image };
  }

  function doc(core: CloudCore, jobId: string) {
    return JSON.parse(core.jobs.getJob(jobId).document) as { afr_ota: { protocols: string[];
      streamname?: string; files: Array<Record<string, unknown>> } };
  }

  it('signs with a new profile, creates AFR_OTA-<uuid> and the job, ' +
    'ends CREATE_COMPLETE', async () => {
    const { core, image } = setup();
    const u = core.ota.create({ otaUpdateId: 'u1', targets: [THING], roleArn: ROLE,
      files: [{ fileName: '/fw/app.bin',
        fileLocation: { s3Location: { bucket: 'fw', key: 'app.bin' } },
        codeSigning: { startSigningJobParameter: {
          signingProfileParameter: { platform: 'AmazonFreeRTOS-Default',
            certificatePathOnDevice: '/certs/cs.crt' },
          signingProfileName: 'p1', destination: { s3Destination: { bucket: 'fw', prefix: 's/' } },
        } } }] });
    expect(u.status).toBe('CREATE_PENDING');
    await u.done;
    expect(u.status).toBe('CREATE_COMPLETE');
    const d = doc(core, 'AFR_OTA-u1');
    expect(d.afr_ota.protocols).toEqual(['MQTT']);
    expect(d.afr_ota.streamname).toMatch(/^AFR_OTA-[0-9a-f-]{36}$/);
    const f = d.afr_ota.files[0]!;
    expect(Object.keys(f))
      .toEqual(['filepath', 'filesize', 'fileid', 'certfile', 'sig-sha256-ecdsa']);
    expect(f).toMatchObject({ filepath: '/fw/app.bin', filesize: 9000, fileid: 0,
      certfile: '/certs/cs.crt' });
    const spki = new X509Certificate(chains.get('ecdsa')!.leafPem).publicKey
      .export({ type: 'spki', format: 'der' });
    const sig = Buffer.from(f['sig-sha256-ecdsa'] as string, 'base64');
    expect(getBackend('node').verify('sha256-ecdsa', spki, image, sig)).toBe(true);
    // The raw image now sits over the signed object's key as its newest version (§1.5 step 2).
    const signer = core.signer.getJob(u.files[0]!.codeSigning!.awsSignerJobId!);
    const versions = core.objects.versions('fw', signer.signedObject.s3.key);
    expect(versions).toHaveLength(2);
    expect(JSON.parse(versions[0]!.data.toString()).signatureAlgorithm).toBe('SHA256withECDSA');
    expect(versions[1]!.data.equals(image)).toBe(true);
  });

  it('passes a custom signature through under sig-<hash>-<alg>', async () => {
    const { core } = setup();
    const u = core.ota.create({ otaUpdateId: 'u2', targets: [THING], roleArn: ROLE,
      protocols: ['MQTT'], files: [{ fileLocation: { s3Location: { bucket: 'fw', key: 'app.bin' } },
        codeSigning: { customCodeSigning: { signature: { inlineDocument: 'AAEC' },
          certificateChain: { certificateName: 'cs.crt' }, hashAlgorithm: 'SHA1',
          signatureAlgorithm: 'RSA' } } }] });
    await u.done;
    expect(doc(core, 'AFR_OTA-u2').afr_ota.files[0]).toEqual({ filepath: null, filesize: 9000,
      fileid: 0, certfile: 'cs.crt', 'sig-sha1-rsa': 'AAEC' });
  });

  it('ends CREATE_FAILED with errorInfo and leaves no job when the signer job ' +
    'is unknown', async () => {
    const { core } = setup();
    const u = core.ota.create({ otaUpdateId: 'u3', targets: [THING], roleArn: ROLE,
      files: [{ fileLocation: { s3Location: { bucket: 'fw', key: 'app.bin' } },
        codeSigning: { awsSignerJobId: 'nope' } }] });
    await u.done;
    expect(u.status).toBe('CREATE_FAILED');
    expect(u.errorInfo).toEqual({ code: 'ResourceNotFoundException',
      message: 'Signing job nope does not exist' });
    expect(core.jobs.jobs.has('AFR_OTA-u3')).toBe(false);
    expect(core.streams.list({}).streams).toEqual([]);
  });

  it('puts the pre-signed URL placeholder and auth scheme in HTTP jobs, ' +
    'and no stream', async () => {
    const { core } = setup();
    const u = core.ota.create({ otaUpdateId: 'u4', targets: [THING], roleArn: ROLE,
      protocols: ['HTTP'], files: [{ fileLocation: { s3Location: { bucket: 'fw', key: 'app.bin' } },
        codeSigning: { customCodeSigning: { signature: { inlineDocument: 'AAEC' },
          hashAlgorithm: 'SHA256', signatureAlgorithm: 'ECDSA' } } }] });
    await u.done;
    const d = doc(core, 'AFR_OTA-u4');
    expect(d.afr_ota.streamname).toBeUndefined();
    expect(d.afr_ota.files[0]).toMatchObject({ auth_scheme: 'aws.s3.presigned',
      update_data_url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/fw/app.bin}' });
  });
});
