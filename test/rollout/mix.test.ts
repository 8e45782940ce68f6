import { describe, expect, it } from 'vitest';
import { assignBehaviours, expectedStatus, parseMix } from '../../src/fleet/mix.js';

describe('--mix', () => {
  it('parses NAME=PERCENT lists and refuses anything else', () => {
    expect(parseMix('fail=20,reject=5,stall=5')).toEqual({ fail: 20, reject: 5, stall: 5 });
    expect(parseMix(' fail=2.5 ')).toEqual({ fail: 2.5 });
    expect(parseMix(undefined)).toEqual({});
    expect(() => parseMix('crash=5')).toThrow(/not NAME=PERCENT/);
    expect(() => parseMix('fail=60,stall=50')).toThrow(/add up to 110/);
  });

  it('picks exactly the configured share of things, the same ones for the same seed', () => {
    const a = assignBehaviours(1000, { fail: 20, reject: 5, stall: 5 }, 7);
    const count = (b: string) => a.filter((x) => x === b).length;
    expect([count('fail-self-test'), count('reject'), count('stall'), count('ok')])
      .toEqual([200, 50, 50, 700]);
    expect(assignBehaviours(1000, { fail: 20, reject: 5, stall: 5 }, 7)).toEqual(a);
    const other = assignBehaviours(1000, { fail: 20, reject: 5, stall: 5 }, 8);
    expect(other).not.toEqual(a);
    // The picks are spread over the fleet, not the first 200 names.
    expect(a.slice(0, 200).filter((x) => x === 'fail-self-test').length).toBeLessThan(100);
  });

  it('expects each behaviour to end the way the agent reports it', () => {
    expect(expectedStatus('ok')).toEqual(['SUCCEEDED']);
    expect(expectedStatus('fail-self-test')).toEqual(['FAILED']);
    expect(expectedStatus('reject')).toEqual(['FAILED']);
    expect(expectedStatus('stall')).toEqual(['TIMED_OUT', 'IN_PROGRESS', 'CANCELED']);
  });
});
