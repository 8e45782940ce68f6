import { describe, expect, it } from 'vitest';
import { jobHistory } from '../../src/cloud/jobs/history.js';
import { buildReport, firstHeld, type JobHistory } from '../../src/fleet/report.js';
import { clockText, esc, renderReportHtml } from '../../src/fleet/reportHtml.js';
import { htmlPathFor, isSettled } from '../../src/fleet/demo.js';
import { JobsHarness, MINUTE } from '../jobs/harness.js';

/**
 * 300 things at 100 per minute; every device finishes 31 s after it is notified and every
 * fifth one fails. The rule (10% FAILED after 50 executed) first holds when thing 49,
 * notified at 29.4 s, reports at 60.4 s: in minute 1, just after minute 1's first slot.
 */
function abortedRun() {
  const h = new JobsHarness();
  h.fleet(300);
  const job = h.createJob({ jobId: 'AFR_OTA-r1',
    jobExecutionsRolloutConfig: { maximumPerMinute: 100 },
    abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL',
      thresholdPercentage: 10, minNumberOfExecutedThings: 50 }] },
    timeoutConfig: { inProgressTimeoutInMinutes: 5 } });
  const order = [...Array(300).keys()];
  for (let t = 0; t < 3 * MINUTE; t += 200) {
    for (const ex of job.executions.values()) {
      if (ex.status !== 'QUEUED' || ex.queuedAt + 31_000 > h.clock.now()) continue;
      const i = order[Number(ex.thingName.slice(1))]!;
      h.update(ex.thingName, job.jobId, i % 5 === 2
        ? { status: 'FAILED', statusDetails: { reason: 'rejected: 0x00000000' } }
        : { status: 'SUCCEEDED', statusDetails: { reason: 'accepted  v1.0.1' } });
    }
    h.clock.advance(200);
  }
  const history = JSON.parse(JSON.stringify(jobHistory(job, 12_345_678))) as JobHistory;
  const report = buildReport({ otaUpdateId: 'r1', things: 300, history, durationMs: 3000,
    virtualEnd: h.clock.now() });
  return { h, job, history, report };
}

describe('the rollout part of the run report', () => {
  it('puts the configured rate and abort rule beside what happened: per-minute notifications, ' +
    'the minute and counts of the abort, executions per final status', () => {
    const { job, report } = abortedRun();
    expect(job.status).toBe('CANCELED');
    expect(report.rollout.configured).toEqual({
      rollout: { maximumPerMinute: 100 },
      abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL',
        thresholdPercentage: 10, minNumberOfExecutedThings: 50 }] },
      timeoutConfig: { inProgressTimeoutInMinutes: 5 },
      targetSelection: 'SNAPSHOT',
    });
    // Minute 0 notifies 100; minute 1 notifies its slot at 60 s, then the abort stops it.
    expect(report.rollout.perMinute).toEqual([100, 1]);
    expect(report.rollout.ratePerMinute).toEqual([100, 100]);
    expect(report.rollout.abort).toEqual({
      minute: 1, atMs: 60_400, ruleFirstHeldAtMs: 60_400,
      criteria: { failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 10,
        minNumberOfExecutedThings: 50 },
      criteriaIndex: 0, completed: 50, matching: 10,
      counts: { QUEUED: 51, IN_PROGRESS: 0, SUCCEEDED: 40, FAILED: 10, TIMED_OUT: 0,
        REJECTED: 0, REMOVED: 0, CANCELED: 0 },
      comment: 'Job aborted: 10 of 50 executed things were FAILED (threshold 10%, minimum 50).',
    });
    expect(report.rollout.final).toEqual({ SUCCEEDED: 40, FAILED: 10, CANCELED: 51 });
    expect(report.executions).toEqual(report.rollout.final);
    expect(report.rollout.notNotified).toBe(199);
    expect(report.jobStatus).toBe('CANCELED');
    expect(report.failures.filter((f) => f.status === 'FAILED')).toHaveLength(10);
  });

  it('finds the first instant a rule holds by replaying the history', () => {
    const { history } = abortedRun();
    const rule = history.abortConfig!.criteriaList[0]!;
    expect(firstHeld(history, rule)).toBe(60_400);
    expect(firstHeld(history, { ...rule, minNumberOfExecutedThings: 51 })).toBeNull();
    expect(firstHeld(history, { ...rule, thresholdPercentage: 25 })).toBeNull();
  });

  it('samples the timeline in virtual time from creation to the end', () => {
    const { report } = abortedRun();
    expect(report.timeline[0]).toEqual({ t: 0, counts: { QUEUED: 1 } });
    const last = report.timeline[report.timeline.length - 1]!;
    expect(last.t).toBe(60_400);
    expect(last.counts).toEqual({ SUCCEEDED: 40, FAILED: 10, CANCELED: 51 });
  });
});

describe('the report page', () => {
  it('draws both charts in hand-written SVG, marks the abort minute, and loads nothing', () => {
    const { report } = abortedRun();
    const html = renderReportHtml(report);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).not.toMatch(/https?:|<script|<link|<img|url\(|@import/i);
    // One bar per minute and a limit step over each minute.
    expect(html.match(/<rect class="bar( over)?"/g)).toHaveLength(2);
    expect(html).toMatch(/<polyline class="limit" points="[\d., ]+"/);
    expect(html).toContain('abort at 1:00 (minute 1): 10 of 50 FAILED');
    expect(html).toContain('fired at 1:00 virtual (minute 1): 10 of 50 executed things were ' +
      'FAILED (20%)');
    expect(html).toContain('at most 100 devices notified per minute');
    expect(html).toContain('CANCEL when at least 10% of executed things are FAILED, once at ' +
      'least 50 have executed');
    // Statuses that occurred have a band; those that never did have none.
    expect(html).toContain('<title>succeeded</title>');
    expect(html).toContain('<title>canceled</title>');
    expect(html).not.toContain('<title>timed out</title>');
  });

  it('shows bars over the limit (CONTINUOUS joiners) in their own colour', () => {
    const { report } = abortedRun();
    const html = renderReportHtml({ ...report, rollout: { ...report.rollout,
      perMinute: [100, 130], abort: null } });
    expect(html.match(/<rect class="bar over"/g)).toHaveLength(1);
    expect(html).toContain('over limit (joiners)');
    expect(html).toContain('did not fire');
  });

  it('escapes text and names its file beside the JSON', () => {
    expect(esc('<a href="x">&\'')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    expect(clockText(125_999)).toBe('2:05');
    expect(htmlPathFor('out/run.json')).toBe('out/run.html');
    expect(htmlPathFor('run')).toBe('run.html');
  });
});

describe('when the demo stops waiting', () => {
  const d = (o: Record<string, number>, processing?: string[]) =>
    ({ numberOfQueuedThings: 0, numberOfInProgressThings: 0, ...o, processingTargets: processing });
  it('waits for the rollout and for in-flight executions, except stalled things', () => {
    expect(isSettled('IN_PROGRESS', d({}, ['arn:t1']), 0)).toBe(false);
    expect(isSettled('CANCELED', d({ numberOfInProgressThings: 3 }), 0)).toBe(false);
    expect(isSettled('CANCELED', d({ numberOfInProgressThings: 3 }), 3)).toBe(true);
    expect(isSettled('IN_PROGRESS', d({ numberOfInProgressThings: 2 }), 2)).toBe(true);
    expect(isSettled('COMPLETED', d({ numberOfSucceededThings: 9 }), 0)).toBe(true);
    expect(isSettled('CANCELED', d({}, ['arn:t1']), 0)).toBe(true);
  });
});

describe('the report page of a short run', () => {
  it('labels its axes with round numbers, not floating-point noise', () => {
    const h = new JobsHarness();
    h.fleet(1);
    const job = h.createJob({ jobId: 'AFR_OTA-short' });
    h.clock.advance(40_000);
    h.update('t0', job.jobId, { status: 'SUCCEEDED', statusDetails: { reason: 'ok' } });
    const history = JSON.parse(JSON.stringify(jobHistory(job, 1000))) as JobHistory;
    const html = renderReportHtml(buildReport({ otaUpdateId: 'short', things: 1, history,
      durationMs: 1000, virtualEnd: h.clock.now() }));
    const labels = [...html.matchAll(/<text class="tick"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels.length).toBeGreaterThan(3);
    for (const l of labels) expect(l).not.toMatch(/\d\.\d{4,}/);
  });
});
