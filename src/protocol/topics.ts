/** Reserved-topic builders and parsers for jobs (§3.1) and streams (§4.1). */

const THING_PREFIX = '$aws/things/';

export const jobsTopic = {
  notifyNext: (thing: string) => `${THING_PREFIX}${thing}/jobs/notify-next`,
  notify: (thing: string) => `${THING_PREFIX}${thing}/jobs/notify`,
  get: (thing: string) => `${THING_PREFIX}${thing}/jobs/get`,
  startNext: (thing: string) => `${THING_PREFIX}${thing}/jobs/start-next`,
  describe: (thing: string, jobId: string) => `${THING_PREFIX}${thing}/jobs/${jobId}/get`,
  update: (thing: string, jobId: string) => `${THING_PREFIX}${thing}/jobs/${jobId}/update`,
  /** Every request topic of one thing, for an external broker subscription. */
  allRequests: '$aws/things/+/jobs/#',
};

export const streamTopic = {
  get: (thing: string, stream: string, fmt: string) =>
    `${THING_PREFIX}${thing}/streams/${stream}/get/${fmt}`,
  describe: (thing: string, stream: string, fmt: string) =>
    `${THING_PREFIX}${thing}/streams/${stream}/describe/${fmt}`,
  data: (thing: string, stream: string, fmt: string) =>
    `${THING_PREFIX}${thing}/streams/${stream}/data/${fmt}`,
  description: (thing: string, stream: string, fmt: string) =>
    `${THING_PREFIX}${thing}/streams/${stream}/description/${fmt}`,
  rejected: (thing: string, stream: string, fmt: string) =>
    `${THING_PREFIX}${thing}/streams/${stream}/rejected/${fmt}`,
  allRequests: '$aws/things/+/streams/#',
};

export type JobsRequest =
  | { api: 'get' }
  | { api: 'start-next' }
  | { api: 'describe'; jobId: string }
  | { api: 'update'; jobId: string };

export type ParsedTopic =
  | { kind: 'jobs'; thing: string; request: JobsRequest; replyBase: string }
  | { kind: 'jobs-invalid'; thing: string; replyBase: string }
  | { kind: 'stream'; thing: string; streamId: string; op: 'get' | 'describe';
    fmt: 'json' | 'cbor' }
  | { kind: 'other' };

/**
 * Classifies a device-published topic. Reply topics (…/accepted, …/rejected, data, …) are
 * 'other' so the cloud never answers its own answers.
 */
export function parseDeviceTopic(topic: string): ParsedTopic {
  if (!topic.startsWith(THING_PREFIX)) return { kind: 'other' };
  const parts = topic.slice(THING_PREFIX.length).split('/');
  const thing = parts[0];
  if (!thing) return { kind: 'other' };
  if (parts[1] === 'jobs') {
    const rest = parts.slice(2);
    const last = rest[rest.length - 1];
    if (last === 'accepted' || last === 'rejected' || last === 'notify' || last === 'notify-next') {
      return { kind: 'other' };
    }
    const replyBase = topic;
    if (rest.length === 1 && rest[0] === 'get') {
      return { kind: 'jobs', thing, replyBase, request: { api: 'get' } };
    }
    if (rest.length === 1 && rest[0] === 'start-next') {
      return { kind: 'jobs', thing, replyBase, request: { api: 'start-next' } };
    }
    if (rest.length === 2 && rest[0] && rest[1] === 'get') {
      return { kind: 'jobs', thing, replyBase, request: { api: 'describe', jobId: rest[0] } };
    }
    if (rest.length === 2 && rest[0] && rest[1] === 'update') {
      return { kind: 'jobs', thing, replyBase, request: { api: 'update', jobId: rest[0] } };
    }
    return { kind: 'jobs-invalid', thing, replyBase };
  }
  if (parts[1] === 'streams' && parts.length === 5) {
    const [, , streamId, op, fmt] = parts;
    if ((op === 'get' || op === 'describe') && (fmt === 'json' || fmt === 'cbor') && streamId) {
      return { kind: 'stream', thing, streamId, op, fmt };
    }
  }
  return { kind: 'other' };
}
