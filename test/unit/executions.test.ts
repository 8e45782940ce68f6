import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CloudCore } from '../../src/cloud/core.js';
import { handleJobsRequest } from '../../src/cloud/jobs/deviceApi.js';

function core() {
  const published: Array<{ topic: string; payload: Record<string, unknown> }> = [];
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const c = new CloudCore({
    clock, account: { region: 'us-east-1', accountId: '123456789012' },
    chains: () => { throw new Error('no signing here'); },
    publish: (topic, payload) => published.push({ topic, payload: JSON.parse(payload) }),
  });
  c.registry.createThing('t1');
  c.jobs.createJob({ jobId: 'j1', targets: ['arn:aws:iot:us-east-1:123456789012:thing/t1'],
    document: '{"op":"x"}' });
  const ask = (api: string, jobId: string | undefined, body: Record<string, unknown>) =>
    handleJobsRequest(c.jobs, 't1', jobId ? { api: api as 'update', jobId } : { api: api as 'get' },
      Buffer.from(JSON.stringify(body)));
  return { c, clock, published, ask };
}

describe('job execution status transitions over the device API', () => {
  it('goes QUEUED → IN_PROGRESS → SUCCEEDED with versionNumber counting updates', () => {
    const { c, ask } = core();
    expect(c.jobs.getJob('j1').executions.get('t1')?.versionNumber).toBe(1);
    expect(ask('update', 'j1', { status: 'IN_PROGRESS', clientToken: 'a' }))
      .toEqual({ ok: true, body: { timestamp: 1767225600, clientToken: 'a' } });
    const r = ask('update', 'j1', { status: 'SUCCEEDED', includeJobExecutionState: true });
    expect(r.body.executionState).toEqual({ status: 'SUCCEEDED', statusDetails: {},
      versionNumber: 3 });
    expect(c.jobs.getJob('j1').status).toBe('COMPLETED');
  });

  it('keeps terminal executions immutable with InvalidStateTransition and the state', () => {
    const { ask } = core();
    ask('update', 'j1', { status: 'FAILED', statusDetails: { reason: 'x' } });
    expect(ask('update', 'j1', { status: 'IN_PROGRESS' })).toEqual({ ok: false, body: {
      code: 'InvalidStateTransition',
      message: 'The execution of j1 on t1 is FAILED, a terminal state; ' +
        'it cannot become IN_PROGRESS.',
      timestamp: 1767225600,
      executionState: { status: 'FAILED', statusDetails: { reason: 'x' }, versionNumber: 2 },
    } });
  });

  it('answers a stale expectedVersion with VersionMismatch', () => {
    const { ask } = core();
    const r = ask('update', 'j1', { status: 'IN_PROGRESS', expectedVersion: '7' });
    expect(r.ok).toBe(false);
    expect(r.body.code).toBe('VersionMismatch');
  });

  it('refuses statuses only the service sets', () => {
    const { ask } = core();
    expect(ask('update', 'j1', { status: 'CANCELED' }).body.code).toBe('InvalidRequest');
  });

  it('announces the head on notify-next once, not on the device’s own updates', () => {
    const { ask, published } = core();
    const heads = () => published.filter((p) => p.topic.endsWith('/notify-next'));
    expect(heads()).toHaveLength(1);
    expect((heads()[0]!.payload.execution as { jobId: string }).jobId).toBe('j1');
    ask('update', 'j1', { status: 'IN_PROGRESS', statusDetails: { receive: '1/2' } });
    ask('update', 'j1', { status: 'IN_PROGRESS', statusDetails: { receive: '2/2' } });
    expect(heads()).toHaveLength(1);
    ask('update', 'j1', { status: 'SUCCEEDED' });
    expect(heads()).toHaveLength(2);
    expect(heads()[1]!.payload).toEqual({ timestamp: 1767225600 });
  });

  it('answers $next with the document as an object and an empty queue with no execution', () => {
    const { ask } = core();
    const r = ask('describe', '$next', { clientToken: 'c' });
    expect((r.body.execution as { jobDocument: unknown }).jobDocument).toEqual({ op: 'x' });
    ask('update', 'j1', { status: 'SUCCEEDED' });
    expect(ask('describe', '$next', { clientToken: 'c' }))
      .toEqual({ ok: true, body: { timestamp: 1767225600, clientToken: 'c' } });
  });
});
