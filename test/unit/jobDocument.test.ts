import { describe, expect, it } from 'vitest';
import { JobParseErr, parseJobMessage, parseCUnsigned } from '../../src/protocol/jobDocument.js';

const limits = { signatureKey: 'sig-sha256-ecdsa', maxSignatureBytes: 384, blockSize: 4096,
  maxBitmapBytes: 128 };

function message(file: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    clientToken: '0:t1', timestamp: 1739165753,
    execution: {
      jobId: 'AFR_OTA-u1', status: 'QUEUED', queuedAt: 1, lastUpdatedAt: 1, versionNumber: 1,
      executionNumber: 1, ...extra,
      jobDocument: { afr_ota: { protocols: ['MQTT'], streamname: 'AFR_OTA-s', files: [file] } },
    },
  };
}

const file = { filepath: '/fw.bin', filesize: 10_000, fileid: 0, certfile: '/c.crt',
  'sig-sha256-ecdsa': Buffer.alloc(71, 1).toString('base64') };

describe('job document parsing as the v3 agent does it', () => {
  it('reads the afr_ota keys of a real-shaped document', () => {
    const r = parseJobMessage(message(file), limits);
    expect(r).toEqual({ kind: 'job', job: {
      jobId: 'AFR_OTA-u1', protocols: ['MQTT'], streamName: 'AFR_OTA-s', filePath: '/fw.bin',
      fileSize: 10_000, fileId: 0, certFile: '/c.crt', fileType: 0, updateDataUrl: undefined,
      signature: Buffer.alloc(71, 1), selfTest: false, updatedBy: undefined,
    } });
  });

  it('treats a message with only clientToken and timestamp as no job', () => {
    expect(parseJobMessage({ clientToken: 'x', timestamp: 5 }, limits)).toEqual({ kind: 'empty' });
  });

  it('reads self_test and updatedBy with strtoul base 0', () => {
    const r = parseJobMessage(message(file, { statusDetails: { self_test: 'ready',
      updatedBy: '0x01000000' } }), limits);
    expect(r.kind === 'job' && [r.job.selfTest, r.job.updatedBy]).toEqual([true, 0x01000000]);
    expect(parseCUnsigned('0x1000000')).toBe(0x1000000);
    expect(parseCUnsigned('010')).toBe(8);
    expect(parseCUnsigned('junk')).toBe(0);
  });

  it('fails a zero-size file with ZeroFileSize', () => {
    expect(parseJobMessage(message({ ...file, filesize: 0 }), limits)).toMatchObject(
      { kind: 'error', jobId: 'AFR_OTA-u1', err: JobParseErr.ZeroFileSize });
  });

  it('fails a file with more blocks than the bitmap holds at parse time', () => {
    const r = parseJobMessage(message({ ...file, filesize: 4096 * 1024 + 1 }), limits);
    expect(r).toMatchObject({ kind: 'error', err: JobParseErr.BadModelInitParams,
      detail: 'file needs 1025 blocks; the bitmap holds 1024' });
  });

  it('refuses a signature longer than the buffer instead of truncating it (C15)', () => {
    const big = { ...file, 'sig-sha256-ecdsa': Buffer.alloc(512).toString('base64') };
    expect(parseJobMessage(message(big), limits)).toMatchObject({ kind: 'error',
      err: JobParseErr.NonConformingJobDoc,
      detail: 'signature is 512 bytes; the buffer holds 384' });
    expect(parseJobMessage(message(big), { ...limits, maxSignatureBytes: 512 }).kind).toBe('job');
  });

  it('fails a document with two files, which the agent cannot hold (C26)', () => {
    const m = message(file);
    m.execution.jobDocument.afr_ota.files.push({ ...file, fileid: 1 });
    expect(parseJobMessage(m, limits)).toMatchObject({ kind: 'error',
      err: JobParseErr.BadModelInitParams });
  });

  it('needs protocols, files, filesize and fileid', () => {
    for (const key of ['filesize', 'fileid']) {
      const f: Record<string, unknown> = { ...file };
      delete f[key];
      expect(parseJobMessage(message(f), limits)).toMatchObject({ kind: 'error',
        err: JobParseErr.NonConformingJobDoc });
    }
    const m = message(file) as { execution: { jobDocument: { afr_ota: Record<string, unknown> } } };
    delete m.execution.jobDocument.afr_ota.protocols;
    expect(parseJobMessage(m, limits)).toMatchObject({ kind: 'error',
      detail: 'afr_ota.protocols missing' });
  });
});
