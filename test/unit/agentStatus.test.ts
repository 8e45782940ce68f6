import { describe, expect, it } from 'vitest';
import { packVersion, statusPayload, versionText } from '../../src/protocol/agentStatus.js';

describe('the agent status payloads of §5.10', () => {
  const v100 = packVersion(1, 0, 0);
  const v101 = packVersion(1, 0, 1);

  it('reports progress as received/total', () => {
    expect(statusPayload.receive(0, 2)).toBe(
      '{"status":"IN_PROGRESS","statusDetails":{"receive":"0/2"}}');
  });

  it('hands over to the self-test with the current version in 8 hex digits', () => {
    expect(statusPayload.selfTestReady(v100)).toBe(
      '{"status":"IN_PROGRESS","statusDetails":{"self_test":"ready","updatedBy":"0x01000000"}}');
    expect(statusPayload.selfTestActive(v101)).toBe(
      '{"status":"IN_PROGRESS","statusDetails":{"self_test":"active","updatedBy":"0x01000001"}}');
  });

  it('accepts with two spaces before the versions', () => {
    expect(statusPayload.accepted(v101, v100)).toBe('{"status":"SUCCEEDED","statusDetails":' +
      '{"reason":"accepted  v1.0.1","updatedBy":"  v1.0.0"}}');
  });

  it('formats rejected, aborted and coded failures', () => {
    expect(statusPayload.rejected(0x10)).toBe(
      '{"status":"FAILED","statusDetails":{"reason":"rejected: 0x00000010"}}');
    expect(statusPayload.aborted(0xd)).toBe(
      '{"status":"FAILED","statusDetails":{"reason":"aborted: 0x0000000d"}}');
    expect(statusPayload.failedWithVal(0xe3, 0)).toBe(
      '{"status":"FAILED","statusDetails":{"reason":"0x000000e3: 0x00000000"}}');
  });

  it('packs versions as major 8 | minor 8 | build 16 bits', () => {
    expect(packVersion(1, 2, 3)).toBe(0x01020003);
    expect(versionText(0x01020003)).toBe('1.2.3');
  });

  it('keeps every payload within the agent 128-byte buffer', () => {
    const all = [statusPayload.receive(1024, 1024), statusPayload.selfTestReady(0xffffffff),
      statusPayload.accepted(packVersion(255, 255, 65535), packVersion(255, 255, 65535))];
    for (const p of all) expect(p.length).toBeLessThanOrEqual(128);
  });
});
