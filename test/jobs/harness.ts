import { ManualClock } from '../../src/clock.js';
import { CloudCore } from '../../src/cloud/core.js';
import { handleJobsRequest, type DeviceAnswer } from '../../src/cloud/jobs/deviceApi.js';
import { processDetails } from '../../src/cloud/jobs/processDetails.js';
import type { CreateJobInput, Job } from '../../src/cloud/jobs/types.js';
import { emptyCounts } from '../../src/cloud/jobs/abort.js';
import type { JobsRequest } from '../../src/protocol/topics.js';

/**
 * A cloud without sockets on a manual clock: jobs tests create things and jobs, play devices
 * through the Jobs MQTT API handler, and read every notify / notify-next the engine published.
 */

export const ACCOUNT = { region: 'us-east-1', accountId: '123456789012' };
export const MINUTE = 60_000;

export interface Published {
  t: number;
  topic: string;
  body: Record<string, unknown>;
}

export function groupArn(name: string): string {
  return `arn:aws:iot:${ACCOUNT.region}:${ACCOUNT.accountId}:thinggroup/${name}`;
}

export function thingName(i: number): string {
  return `t${String(i).padStart(4, '0')}`;
}

export class JobsHarness {
  readonly clock = new ManualClock();
  readonly published: Published[] = [];
  readonly core: CloudCore;

  constructor() {
    this.core = new CloudCore({
      clock: this.clock,
      account: ACCOUNT,
      chains: () => { throw new Error('the jobs tests sign nothing'); },
      publish: (topic, payload) => {
        this.published.push({ t: this.clock.now(), topic, body: JSON.parse(payload) });
      },
    });
  }

  get jobs() {
    return this.core.jobs;
  }

  /** Creates `n` things (t0000, t0001, ...) in a group; returns their names. */
  fleet(n: number, group = 'g', from = 0): string[] {
    this.core.registry.createGroup(group);
    const names: string[] = [];
    for (let i = from; i < from + n; i++) {
      const name = thingName(i);
      this.core.registry.createThing(name);
      this.core.registry.addToGroup(group, name);
      names.push(name);
    }
    return names;
  }

  createJob(input: Partial<CreateJobInput> & { jobId?: string } = {}): Job {
    return this.jobs.createJob({
      jobId: 'job1', targets: [groupArn('g')], document: '{"operation":"test"}', ...input,
    });
  }

  /** One device request through the same handler the MQTT glue uses. */
  device(thing: string, req: JobsRequest, body: Record<string, unknown> = {}): DeviceAnswer {
    return handleJobsRequest(this.jobs, thing, req, Buffer.from(JSON.stringify(body)));
  }

  update(thing: string, jobId: string, body: Record<string, unknown>): DeviceAnswer {
    return this.device(thing, { api: 'update', jobId }, body);
  }

  /** Messages on one thing's notify or notify-next topic, optionally since a given index. */
  on(thing: string, kind: 'notify' | 'notify-next', since = 0): Published[] {
    const topic = `$aws/things/${thing}/jobs/${kind}`;
    return this.published.slice(since).filter((p) => p.topic === topic);
  }

  status(jobId: string, thing: string): string | undefined {
    return this.jobs.getJob(jobId).executions.get(thing)?.status;
  }
}

/** Counts recomputed from scratch: what jobProcessDetails must equal at every instant. */
export function recount(job: Job) {
  const c = emptyCounts();
  for (const ex of job.executions.values()) c[ex.status] += 1;
  return {
    numberOfCanceledThings: c.CANCELED, numberOfSucceededThings: c.SUCCEEDED,
    numberOfFailedThings: c.FAILED, numberOfRejectedThings: c.REJECTED,
    numberOfQueuedThings: c.QUEUED, numberOfInProgressThings: c.IN_PROGRESS,
    numberOfRemovedThings: c.REMOVED, numberOfTimedOutThings: c.TIMED_OUT,
  };
}

export function countsOf(job: Job) {
  const { processingTargets: _p, ...counts } = processDetails(job);
  return counts;
}
