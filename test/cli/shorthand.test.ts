import { describe, expect, it } from 'vitest';
import { parseShorthand, splitCsv, ShorthandError } from '../../src/cli/aws/shorthand.js';
import { kebab } from '../../src/cli/aws/names.js';

describe('AWS CLI shorthand syntax', () => {
  it('reads nested hashes, explicit lists and quoted values', () => {
    expect(parseShorthand("a=1,b={c=x,d=[p,q]},e='has, comma'")).toEqual({
      a: '1', b: { c: 'x', d: ['p', 'q'] }, e: 'has, comma' });
  });

  it('turns a bare csv tail into a list for the same key', () => {
    expect(parseShorthand('k=v1,v2,v3,other=z')).toEqual({ k: ['v1', 'v2', 'v3'], other: 'z' });
  });

  it('reads a list of hashes', () => {
    expect(parseShorthand('abortCriteriaList=[{failureType=FAILED,action=CANCEL},' +
      '{failureType=ALL,action=CANCEL}]')).toEqual({ abortCriteriaList: [
      { failureType: 'FAILED', action: 'CANCEL' }, { failureType: 'ALL', action: 'CANCEL' }] });
  });

  it('reports where the syntax breaks', () => {
    expect(() => parseShorthand('x={b}')).toThrow(ShorthandError);
    expect(() => parseShorthand('x={b}'))
      .toThrow("expected '=' after key 'b' at position 5 of: x={b}");
    expect(() => parseShorthand('a={b=1')).toThrow("expected '}' at position 7 of: a={b=1");
  });

  it('splits csv lists of scalars with quotes', () => {
    expect(splitCsv("MQTT,HTTP,'a,b'")).toEqual(['MQTT', 'HTTP', 'a,b']);
  });

  it('names verbs and options like the AWS CLI', () => {
    expect(kebab('CreateOTAUpdate')).toBe('create-ota-update');
    expect(kebab('ListJobExecutionsForThing')).toBe('list-job-executions-for-thing');
    expect(kebab('forceDeleteAWSJob')).toBe('force-delete-aws-job');
    expect(kebab('awsJobExecutionsRolloutConfig')).toBe('aws-job-executions-rollout-config');
  });
});
