import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CloudCore } from '../../src/cloud/core.js';
import { handleJobsRequest } from '../../src/cloud/jobs/deviceApi.js';
import { ThingThrottle } from '../../src/cloud/jobs/throttle.js';

/** Case C24: polling faster than allowed gets RequestThrottled, not silence. */
describe('the per-thing jobs request limit', () => {
  const clock = new ManualClock();
  const core = new CloudCore({ clock, account: { region: 'us-east-1', accountId: '123456789012' },
    chains: () => { throw new Error('unused'); }, publish: () => {} });
  const throttle = new ThingThrottle(2, 2, () => clock.now());
  const ask = (thing: string) => handleJobsRequest(core.jobs, thing, { api: 'describe',
    jobId: '$next' }, Buffer.from('{"clientToken":"c"}'), throttle).body;

  it('answers the third request within a second RequestThrottled, per thing, then recovers', () => {
    expect([ask('a'), ask('a')].map((b) => b.code)).toEqual([undefined, undefined]);
    expect(ask('a')).toEqual({ code: 'RequestThrottled', clientToken: 'c',
      timestamp: Math.floor(clock.now() / 1000),
      message: 'Rate exceeded for thing a: at most 2 requests per second per thing ' +
        '(bursts of 2).' });
    expect(ask('b').code).toBeUndefined();
    clock.advance(500);
    expect(ask('a').code).toBeUndefined();
    expect(ask('a').code).toBe('RequestThrottled');
  });
});
