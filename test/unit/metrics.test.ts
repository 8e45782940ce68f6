import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CloudCore } from '../../src/cloud/core.js';
import { handleJobsRequest } from '../../src/cloud/jobs/deviceApi.js';

describe('the execution gauges on /metrics', () => {
  it('drop a status to 0 when its executions moved on', async () => {
    const core = new CloudCore({ clock: new ManualClock(), account: { region: 'us-east-1',
      accountId: '123456789012' }, chains: () => { throw new Error('unused'); },
      publish: () => {} });
    core.registry.createThing('t1');
    core.jobs.createJob({ jobId: 'j', targets: ['arn:aws:iot:us-east-1:123456789012:thing/t1'],
      document: '{}' });
    core.refreshGauges();
    const line = async (status: string) => (await core.metrics.registry.metrics()).split('\n')
      .find((l) => l.startsWith(`otasim_job_executions{job="j",status="${status}"}`));
    expect(await line('QUEUED')).toBe('otasim_job_executions{job="j",status="QUEUED"} 1');
    handleJobsRequest(core.jobs, 't1', { api: 'update', jobId: 'j' },
      Buffer.from('{"status":"SUCCEEDED"}'));
    core.refreshGauges();
    expect(await line('QUEUED')).toBe('otasim_job_executions{job="j",status="QUEUED"} 0');
    expect(await line('SUCCEEDED')).toBe('otasim_job_executions{job="j",status="SUCCEEDED"} 1');
  });
});
