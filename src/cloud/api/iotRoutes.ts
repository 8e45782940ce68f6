import { ApiError } from '../../protocol/errors.js';
import type { ExecutionStatus } from '../../protocol/jobs.js';
import type { CloudCore } from '../core.js';
import type { CreateOtaUpdateInput } from '../otaValidate.js';
import type { CreateJobInput } from '../jobs/types.js';
import type { Router } from './router.js';
import { paginate } from './paginate.js';
import { bareTargetWarning } from './targetWarning.js';
import {
  describeExecution, describeJob, executionSummary, jobSummary, otaUpdateInfo, epoch,
} from './shapes.js';

const bool = (q: URLSearchParams, k: string) => q.get(k) === 'true';

/** The IoT control-plane operations (§1.1, §2.1) on their model paths. */
export function addIotRoutes(r: Router, c: CloudCore): void {
  r.add('POST', '/otaUpdates/{otaUpdateId}', 'CreateOTAUpdate', (req) => {
    const body = req.json() as unknown as CreateOtaUpdateInput;
    const u = c.ota.create({ ...body, otaUpdateId: req.params.otaUpdateId! });
    return { headers: bareTargetWarning(body.targets), body: {
      otaUpdateId: u.otaUpdateId, awsIotJobId: u.awsIotJobId, otaUpdateArn: u.otaUpdateArn,
      awsIotJobArn: u.awsIotJobArn, otaUpdateStatus: u.status,
    } };
  });
  r.add('GET', '/otaUpdates/{otaUpdateId}', 'GetOTAUpdate', (req) =>
    ({ body: { otaUpdateInfo: otaUpdateInfo(c.ota.get(req.params.otaUpdateId!)) } }));
  r.add('GET', '/otaUpdates', 'ListOTAUpdates', (req) => {
    const status = req.query.get('otaUpdateStatus');
    const all = [...c.ota.updates.values()].filter((u) => !status || u.status === status);
    const { page, nextToken } = paginate(all, req.query);
    return { body: { otaUpdates: page.map((u) => ({
      otaUpdateId: u.otaUpdateId, otaUpdateArn: u.otaUpdateArn, creationDate: epoch(u.creationDate),
    })), nextToken } };
  });
  r.add('DELETE', '/otaUpdates/{otaUpdateId}', 'DeleteOTAUpdate', (req) => {
    c.ota.delete(req.params.otaUpdateId!, {
      deleteStream: bool(req.query, 'deleteStream'),
      forceDeleteAWSJob: bool(req.query, 'forceDeleteAWSJob'),
    });
    return { body: {} };
  });

  r.add('POST', '/streams/{streamId}', 'CreateStream', (req) => {
    const b = req.json();
    const ref = c.streams.create({ ...(b as object), streamId: req.params.streamId! } as never);
    return { body: ref };
  });
  r.add('GET', '/streams/{streamId}', 'DescribeStream', (req) => {
    const info = c.streams.describe(req.params.streamId!);
    return { body: { streamInfo: { ...info, createdAt: epoch(info.createdAt.getTime()),
      lastUpdatedAt: epoch(info.lastUpdatedAt.getTime()) } } };
  });
  r.add('PUT', '/streams/{streamId}', 'UpdateStream', (req) =>
    ({ body: c.streams.update(req.params.streamId!, req.json() as never) }));
  r.add('DELETE', '/streams/{streamId}', 'DeleteStream', (req) => {
    c.streams.delete(req.params.streamId!);
    return { body: {} };
  });
  r.add('GET', '/streams', 'ListStreams', (req) => {
    const max = req.query.get('maxResults');
    return { body: c.streams.list({
      maxResults: max === null ? undefined : Number(max),
      nextToken: req.query.get('nextToken') ?? undefined,
      ascendingOrder: req.query.get('isAscendingOrder') === 'true',
    }) };
  });

  r.add('POST', '/things/{thingName}', 'CreateThing', (req) => {
    const b = req.json() as { attributePayload?: { attributes?: Record<string, string> } };
    const t = c.registry.createThing(req.params.thingName!, b.attributePayload?.attributes ?? {});
    return { body: { thingName: t.thingName, thingArn: t.thingArn, thingId: t.thingId } };
  });
  r.add('GET', '/things/{thingName}', 'DescribeThing', (req) => {
    const t = c.registry.getThing(req.params.thingName!);
    return { body: { defaultClientId: t.thingName, thingName: t.thingName, thingId: t.thingId,
      thingArn: t.thingArn, attributes: t.attributes, version: t.version } };
  });
  r.add('GET', '/things', 'ListThings', (req) => {
    const attr = req.query.get('attributeName');
    const value = req.query.get('attributeValue');
    const prefix = bool(req.query, 'usePrefixAttributeValue');
    const all = [...c.registry.things.values()].filter((t) => {
      if (attr === null) return true;
      const v = t.attributes[attr];
      if (v === undefined) return false;
      return value === null || (prefix ? v.startsWith(value) : v === value);
    });
    const { page, nextToken } = paginate(all, req.query);
    return { body: { things: page.map((t) => ({ thingName: t.thingName, thingArn: t.thingArn,
      attributes: t.attributes, version: t.version })), nextToken } };
  });
  r.add('POST', '/thing-groups/{thingGroupName}', 'CreateThingGroup', (req) => {
    const b = req.json() as { thingGroupProperties?: { thingGroupDescription?: string } };
    const g = c.registry.createGroup(req.params.thingGroupName!,
      b.thingGroupProperties?.thingGroupDescription);
    return { body: { thingGroupName: g.groupName, thingGroupArn: g.groupArn,
      thingGroupId: g.groupId } };
  });
  r.add('GET', '/thing-groups/{thingGroupName}', 'DescribeThingGroup', (req) => {
    const g = c.registry.getGroup(req.params.thingGroupName!);
    return { body: { thingGroupName: g.groupName, thingGroupArn: g.groupArn,
      thingGroupId: g.groupId, version: 1,
      thingGroupProperties: { thingGroupDescription: g.description } } };
  });
  const membership = (req: { json(): Record<string, unknown> }) => {
    const b = req.json() as { thingName?: string; thingArn?: string; thingGroupName?: string;
      thingGroupArn?: string };
    const thing = b.thingName ?? b.thingArn?.split('/').pop();
    const group = b.thingGroupName ?? b.thingGroupArn?.split('/').pop();
    if (!thing || !group) {
      throw new ApiError('InvalidRequestException',
        'thingName (or thingArn) and thingGroupName (or thingGroupArn) are required');
    }
    return { thing, group };
  };
  r.add('PUT', '/thing-groups/addThingToThingGroup', 'AddThingToThingGroup', (req) => {
    const { thing, group } = membership(req);
    c.registry.addToGroup(group, thing);
    return { body: {} };
  });
  r.add('PUT', '/thing-groups/removeThingFromThingGroup', 'RemoveThingFromThingGroup', (req) => {
    const { thing, group } = membership(req);
    c.registry.removeFromGroup(group, thing);
    return { body: {} };
  });
  r.add('GET', '/thing-groups/{thingGroupName}/things', 'ListThingsInThingGroup', (req) => {
    const g = c.registry.getGroup(req.params.thingGroupName!);
    const { page, nextToken } = paginate([...g.members], req.query);
    return { body: { things: page, nextToken } };
  });

  r.add('PUT', '/jobs/{jobId}', 'CreateJob', (req) => {
    const b = req.json() as unknown as CreateJobInput & { document?: string };
    const job = c.jobs.createJob({ ...b, jobId: req.params.jobId! });
    return { headers: bareTargetWarning(b.targets),
      body: { jobArn: job.jobArn, jobId: job.jobId, description: job.description } };
  });
  r.add('GET', '/jobs/{jobId}', 'DescribeJob', (req) => {
    const job = c.jobs.getJob(req.params.jobId!);
    return { body: { job: describeJob(job) } };
  });
  r.add('GET', '/jobs/{jobId}/job-document', 'GetJobDocument', (req) =>
    ({ body: { document: c.jobs.getJob(req.params.jobId!).document } }));
  r.add('GET', '/jobs', 'ListJobs', (req) => {
    const status = req.query.get('status');
    const sel = req.query.get('targetSelection');
    const groupName = req.query.get('thingGroupName');
    const groupArn = groupName === null ? null : c.registry.getGroup(groupName).groupArn;
    const all = [...c.jobs.jobs.values()].filter((j) =>
      (!status || j.status === status) && (!sel || j.targetSelection === sel) &&
      (groupArn === null || j.targets.includes(groupArn)));
    const { page, nextToken } = paginate(all, req.query);
    return { body: { jobs: page.map(jobSummary), nextToken } };
  });
  r.add('PUT', '/jobs/{jobId}/cancel', 'CancelJob', (req) => {
    const b = req.json() as { reasonCode?: string; comment?: string };
    const job = c.jobs.cancelJob(req.params.jobId!, { force: bool(req.query, 'force'), ...b });
    return { body: { jobArn: job.jobArn, jobId: job.jobId, description: job.description } };
  });
  r.add('DELETE', '/jobs/{jobId}', 'DeleteJob', (req) => {
    c.jobs.deleteJob(req.params.jobId!, bool(req.query, 'force'));
    return { body: {} };
  });
  r.add('GET', '/jobs/{jobId}/things', 'ListJobExecutionsForJob', (req) => {
    const job = c.jobs.getJob(req.params.jobId!);
    const status = req.query.get('status') as ExecutionStatus | null;
    const all = [...job.executions.values()].filter((e) => !status || e.status === status);
    const { page, nextToken } = paginate(all, req.query);
    return { body: { executionSummaries: page.map((e) => ({
      thingArn: c.registry.things.get(e.thingName)?.thingArn ?? e.thingName,
      jobExecutionSummary: executionSummary(e),
    })), nextToken } };
  });
  r.add('GET', '/things/{thingName}/jobs', 'ListJobExecutionsForThing', (req) => {
    const thing = req.params.thingName!;
    const status = req.query.get('status');
    const jobId = req.query.get('jobId');
    const all = [...c.jobs.jobs.values()]
      .filter((j) => jobId === null || j.jobId === jobId)
      .map((j) => j.executions.get(thing))
      .filter((e): e is NonNullable<typeof e> => !!e && (!status || e.status === status));
    const { page, nextToken } = paginate(all, req.query);
    return { body: { executionSummaries: page.map((e) => ({ jobId: e.jobId,
      jobExecutionSummary: executionSummary(e) })), nextToken } };
  });
  r.add('GET', '/things/{thingName}/jobs/{jobId}', 'DescribeJobExecution', (req) => {
    const job = c.jobs.getJob(req.params.jobId!);
    const ex = job.executions.get(req.params.thingName!);
    const number = req.query.get('executionNumber');
    if (!ex || (number !== null && Number(number) !== ex.executionNumber)) {
      throw new ApiError('ResourceNotFoundException',
        `Job execution for job ${job.jobId} on thing ${req.params.thingName} cannot be found.`);
    }
    const thingArn = c.registry.things.get(ex.thingName)?.thingArn ?? ex.thingName;
    return { body: { execution: describeExecution(c.jobs, ex, thingArn) } };
  });
  r.add('PUT', '/things/{thingName}/jobs/{jobId}/cancel', 'CancelJobExecution', (req) => {
    const b = req.json() as { expectedVersion?: number; statusDetails?: Record<string, string> };
    c.jobs.cancelExecution(req.params.jobId!, req.params.thingName!, {
      force: bool(req.query, 'force'), ...b,
    });
    return { body: {} };
  });
}
