import type { Clock } from '../../clock.js';
import { ApiError } from '../../protocol/errors.js';
import { arn, parseTargetArn, type Account } from '../../protocol/arn.js';
import { isTerminal, type ExecutionStatus, type StatusDetails } from '../../protocol/jobs.js';
import { jobsTopic } from '../../protocol/topics.js';
import { DEFAULTS } from '../../protocol/defaults.js';
import type { Registry } from '../registry.js';
import type { CreateJobInput, Execution, Job } from './types.js';
import { validateCreateJob } from './validate.js';
import { emptyCounts, firstAbort } from './abort.js';
import { initialRate, MINUTE, nextDue, rateAtStep, rateCap, recordSent, RolloutQueue,
  stepEarned } from './rollout.js';

/**
 * IoT Jobs: jobs, executions, rollout, abort, timeouts and the notify/notify-next rules
 * (protocol.md §2, §3.6). Every timer reads the injected clock.
 */

export interface JobsEngineDeps {
  clock: Clock;
  account: Account;
  registry: Registry;
  /** Broker-wide publish (notify, notify-next). */
  publish(topic: string, payload: string): void;
  /** The document as one device receives it (pre-signed URLs are minted per delivery, §1.9). */
  renderDocument?(job: Job, thing: string): unknown;
  /** A job is gone: drop whatever the renderer keeps for it. */
  forgetDocument?(jobId: string): void;
  warn?(message: string): void;
}

export const seconds = (ms: number) => Math.floor(ms / 1000);

export class JobsEngine {
  readonly jobs = new Map<string, Job>();
  /** Pending (QUEUED or IN_PROGRESS) executions per thing. */
  private readonly pending = new Map<string, Execution[]>();
  /** The execution (by seq) last announced on notify-next per thing; -1 = empty queue. */
  private readonly lastHead = new Map<string, number>();
  private readonly parsedDocs = new Map<string, unknown>();
  private seq = 0;
  private listeners: Array<(e: Execution, job: Job) => void> = [];

  constructor(readonly deps: JobsEngineDeps) {
    deps.registry.onMembership((e) => this.onMembership(e.kind, e.group, e.thing));
  }

  onExecutionChange(fn: (e: Execution, job: Job) => void): void {
    this.listeners.push(fn);
  }

  now(): number {
    return this.deps.clock.now();
  }

  // ---- control plane ------------------------------------------------------------------

  createJob(input: CreateJobInput): Job {
    validateCreateJob(input);
    if (this.jobs.has(input.jobId)) {
      throw new ApiError('ResourceAlreadyExistsException', `Job ${input.jobId} already exists.`,
        { resourceId: input.jobId, resourceArn: arn.job(this.deps.account, input.jobId) });
    }
    const things = this.resolveTargets(input.targets);
    const t = this.now();
    const rollout = input.jobExecutionsRolloutConfig;
    const job: Job = {
      jobId: input.jobId,
      jobArn: arn.job(this.deps.account, input.jobId),
      description: input.description,
      document: input.document,
      targets: input.targets,
      targetSelection: input.targetSelection ?? DEFAULTS.targetSelection,
      status: 'IN_PROGRESS',
      rollout,
      abortConfig: input.abortConfig,
      timeoutConfig: input.timeoutConfig,
      presignedUrlConfig: input.presignedUrlConfig,
      createdAt: t,
      lastUpdatedAt: t,
      executions: new Map(),
      counts: emptyCounts(),
      toRollOut: new RolloutQueue(things),
      pace: { createdAt: t, minute: 0, sentThisMinute: 0, recent: [] },
      perMinute: [],
      ratePerMinute: [initialRate(rollout)],
      notified: 0,
      currentRate: initialRate(rollout),
      rateSteps: 0,
      history: [],
    };
    this.jobs.set(job.jobId, job);
    this.rolloutTick(job);
    return job;
  }

  getJob(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw new ApiError('ResourceNotFoundException', `Job ${jobId} cannot be found.`);
    return job;
  }

  /** Resolves thing and thing-group ARNs (and bare thing names, §1.11) to thing names. */
  resolveTargets(targets: string[]): string[] {
    const out = new Set<string>();
    for (const target of targets) {
      const ref = parseTargetArn(target);
      if (ref?.kind === 'thinggroup') {
        for (const name of this.deps.registry.getGroup(ref.name).members) out.add(name);
      } else if (ref?.kind === 'thing') {
        out.add(this.deps.registry.getThing(ref.name).thingName);
      } else {
        out.add(this.deps.registry.getThing(target).thingName);
      }
    }
    return [...out];
  }

  cancelJob(jobId: string, opts: { force?: boolean; reasonCode?: string; comment?: string }): Job {
    const job = this.getJob(jobId);
    if (job.status !== 'IN_PROGRESS') {
      throw new ApiError('InvalidStateTransitionException',
        `Job ${jobId} is ${job.status}; only an IN_PROGRESS job can be canceled.`);
    }
    this.cancelInternal(job, !!opts.force, opts.reasonCode, opts.comment);
    return job;
  }

  cancelExecution(jobId: string, thing: string, opts: { force?: boolean; expectedVersion?: number;
    statusDetails?: StatusDetails }): void {
    const job = this.getJob(jobId);
    const ex = job.executions.get(thing);
    if (!ex) {
      throw new ApiError('ResourceNotFoundException',
        `Job execution for job ${jobId} on thing ${thing} cannot be found.`);
    }
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== ex.versionNumber) {
      throw new ApiError('VersionConflictException',
        `expectedVersion ${opts.expectedVersion} does not match versionNumber ${ex.versionNumber}`);
    }
    if (isTerminal(ex.status) || (ex.status === 'IN_PROGRESS' && !opts.force)) {
      throw new ApiError('InvalidStateTransitionException',
        `Cannot cancel the execution of ${jobId} on ${thing} in status ${ex.status}` +
        (ex.status === 'IN_PROGRESS' ? ' without force' : ''));
    }
    if (opts.statusDetails) ex.statusDetails = opts.statusDetails;
    ex.forceCanceled = ex.status === 'IN_PROGRESS' ? true : undefined;
    this.setStatus(job, ex, 'CANCELED');
  }

  deleteJob(jobId: string, force: boolean): void {
    const job = this.getJob(jobId);
    if (job.status === 'IN_PROGRESS' && !force) {
      throw new ApiError('InvalidStateTransitionException',
        `Job ${jobId} is IN_PROGRESS; use force to delete it.`);
    }
    job.rolloutTimer?.cancel();
    this.jobs.delete(jobId);
    this.parsedDocs.delete(jobId);
    this.deps.forgetDocument?.(jobId);
    for (const ex of job.executions.values()) {
      ex.timer?.cancel();
      if (!isTerminal(ex.status)) this.removePending(ex);
    }
  }

  // ---- rollout -------------------------------------------------------------------------

  /** Notifies every thing whose slot is due, then sleeps until the next slot (rollout.ts). */
  private rolloutTick(job: Job): void {
    job.rolloutTimer = undefined;
    if (job.status !== 'IN_PROGRESS') return;
    const now = this.now();
    this.enterMinute(job, now);
    const cap = rateCap(job.rollout);
    while (job.toRollOut.size > 0 && job.status === 'IN_PROGRESS' &&
      nextDue(job.pace, job.currentRate, job.toRollOut.size) <= now) {
      const thing = job.toRollOut.shift()!;
      recordSent(job.pace, now, cap);
      this.createExecution(job, thing);
    }
    if (job.toRollOut.size === 0) {
      this.maybeComplete(job);
      return;
    }
    if (job.status !== 'IN_PROGRESS') return;
    const due = nextDue(job.pace, job.currentRate, job.toRollOut.size);
    job.rolloutTimer = this.deps.clock.setTimeout(() => this.rolloutTick(job), due - now);
  }

  /** Moves the pacing to the minute `now` is in; the rate may rise once per minute passed. */
  private enterMinute(job: Job, now: number): void {
    const minute = Math.floor((now - job.createdAt) / MINUTE);
    while (job.pace.minute < minute) {
      job.pace.minute += 1;
      job.pace.sentThisMinute = 0;
      const step = job.rateSteps + 1;
      if (stepEarned(job.rollout, step, job.notified, job.counts.SUCCEEDED)) {
        job.rateSteps = step;
        job.currentRate = rateAtStep(job.rollout, step);
      }
      job.ratePerMinute[job.pace.minute] = job.currentRate;
    }
  }

  private createExecution(job: Job, thing: string, executionNumber = 1): Execution {
    const t = this.now();
    const ex: Execution = {
      jobId: job.jobId,
      thingName: thing,
      status: 'QUEUED',
      statusDetails: {},
      queuedAt: t,
      lastUpdatedAt: t,
      versionNumber: 1,
      executionNumber,
      seq: this.seq++,
    };
    const replaced = job.executions.get(thing);
    if (replaced) job.counts[replaced.status] -= 1;
    job.executions.set(thing, ex);
    job.counts.QUEUED += 1;
    job.notified += 1;
    const minute = Math.floor((t - job.createdAt) / MINUTE);
    job.perMinute[minute] = (job.perMinute[minute] ?? 0) + 1;
    job.lastUpdatedAt = t;
    job.history.push({ t, thing, status: 'QUEUED' });
    const list = this.pending.get(thing) ?? [];
    list.push(ex);
    this.pending.set(thing, list);
    this.emit(ex, job);
    this.publishNotify(thing);
    this.refreshHead(thing);
    return ex;
  }

  /**
   * CONTINUOUS targets (§2.7, §2.3): a joiner gets its execution at once, outside the rollout
   * rate; a leaver's pending execution becomes REMOVED, unless another target of the job still
   * covers the thing. A thing that comes back after REMOVED gets a new execution with the next
   * executionNumber (our reading; a thing that already finished keeps its verdict).
   */
  private onMembership(kind: 'added' | 'removed', group: string, thing: string): void {
    const groupArn = arn.thingGroup(this.deps.account, group);
    for (const job of this.jobs.values()) {
      if (job.targetSelection !== 'CONTINUOUS' || job.status !== 'IN_PROGRESS') continue;
      if (!job.targets.includes(groupArn)) continue;
      const ex = job.executions.get(thing);
      if (kind === 'added') {
        if (job.toRollOut.has(thing) || (ex && ex.status !== 'REMOVED')) continue;
        this.createExecution(job, thing, ex ? ex.executionNumber + 1 : 1);
      } else if (!this.targets(job, thing)) {
        job.toRollOut.remove(thing);
        if (ex && !isTerminal(ex.status)) this.setStatus(job, ex, 'REMOVED');
      }
    }
  }

  /** Whether any target of the job (a thing or a group it is in now) names the thing. */
  private targets(job: Job, thing: string): boolean {
    return job.targets.some((target) => {
      const ref = parseTargetArn(target);
      if (ref?.kind === 'thinggroup') {
        return !!this.deps.registry.groups.get(ref.name)?.members.has(thing);
      }
      return (ref?.kind === 'thing' ? ref.name : target) === thing;
    });
  }

  // ---- transitions ---------------------------------------------------------------------

  /** The single place an execution changes status; keeps every derived structure right. */
  setStatus(job: Job, ex: Execution, status: ExecutionStatus): void {
    const t = this.now();
    const from = ex.status;
    ex.status = status;
    job.counts[from] -= 1;
    job.counts[status] += 1;
    ex.lastUpdatedAt = t;
    job.lastUpdatedAt = t;
    job.history.push({ t, thing: ex.thingName, status });
    if (from === 'QUEUED' && status === 'IN_PROGRESS') {
      ex.startedAt = t;
      const minutes = job.timeoutConfig?.inProgressTimeoutInMinutes;
      if (minutes) ex.inProgressDeadline = t + minutes * MINUTE;
      this.armTimer(job, ex);
    }
    if (isTerminal(status)) {
      ex.timer?.cancel();
      ex.timer = undefined;
      ex.inProgressDeadline = undefined;
      ex.stepDeadline = undefined;
      this.removePending(ex);
      this.emit(ex, job);
      this.checkAbort(job);
      this.maybeComplete(job);
    } else {
      this.emit(ex, job);
      // A status change that does not change the head still reorders IN_PROGRESS first.
      this.refreshHead(ex.thingName);
    }
  }

  /** Sets the step timer (§2.6): replaces the previous one, never past the in-progress deadline. */
  setStepTimeout(job: Job, ex: Execution, minutes: number): void {
    if (minutes === -1) ex.stepDeadline = undefined;
    else ex.stepDeadline = this.now() + minutes * MINUTE;
    this.armTimer(job, ex);
  }

  private armTimer(job: Job, ex: Execution): void {
    ex.timer?.cancel();
    ex.timer = undefined;
    const candidates = [ex.inProgressDeadline, ex.stepDeadline].filter(
      (d): d is number => d !== undefined);
    if (candidates.length === 0) return;
    const deadline = Math.min(...candidates);
    ex.timer = this.deps.clock.setTimeout(() => {
      ex.timer = undefined;
      if (!isTerminal(ex.status)) this.setStatus(job, ex, 'TIMED_OUT');
    }, deadline - this.now());
  }

  secondsBeforeTimeout(ex: Execution): number | undefined {
    const candidates = [ex.inProgressDeadline, ex.stepDeadline].filter(
      (d): d is number => d !== undefined);
    if (candidates.length === 0 || isTerminal(ex.status)) return undefined;
    return Math.max(0, Math.round((Math.min(...candidates) - this.now()) / 1000));
  }

  private cancelInternal(job: Job, force: boolean, reasonCode?: string, comment?: string): void {
    job.status = 'CANCELED';
    job.forceCanceled = force;
    job.reasonCode = reasonCode;
    job.comment = comment;
    job.lastUpdatedAt = this.now();
    job.completedAt = job.lastUpdatedAt;
    job.rolloutTimer?.cancel();
    job.rolloutTimer = undefined;
    job.toRollOut.clear();
    for (const ex of job.executions.values()) {
      if (ex.status === 'QUEUED' || (force && ex.status === 'IN_PROGRESS')) {
        if (ex.status === 'IN_PROGRESS') ex.forceCanceled = true;
        this.setStatus(job, ex, 'CANCELED');
      }
    }
  }

  /**
   * Abort rules (§2.8), tested after every change to an executed count, so the job is
   * canceled at the first instant a rule holds. Only QUEUED executions are canceled with it.
   */
  private checkAbort(job: Job): void {
    if (job.status !== 'IN_PROGRESS') return;
    const hit = firstAbort(job.abortConfig?.criteriaList, job.counts);
    if (!hit) return;
    const c = hit.criteria;
    job.abort = { at: this.now(), criteria: c, criteriaIndex: hit.index, completed: hit.executed,
      matching: hit.matching, counts: { ...job.counts } };
    this.cancelInternal(job, false, 'ABORT_CRITERIA_MET',
      `Job aborted: ${hit.matching} of ${hit.executed} executed things were ${c.failureType}` +
      ` (threshold ${c.thresholdPercentage}%, minimum ${c.minNumberOfExecutedThings}).`);
  }

  private maybeComplete(job: Job): void {
    if (job.status !== 'IN_PROGRESS' || job.targetSelection === 'CONTINUOUS') return;
    if (job.toRollOut.size > 0) return;
    if (job.counts.QUEUED + job.counts.IN_PROGRESS > 0) return;
    job.status = 'COMPLETED';
    job.completedAt = this.now();
    job.lastUpdatedAt = job.completedAt;
  }

  // ---- per-thing queue and notifications ------------------------------------------------

  /** `$next` (§3.3): IN_PROGRESS first, then QUEUED, each in creation order. */
  nextFor(thing: string): Execution | undefined {
    const list = this.pending.get(thing);
    if (!list || list.length === 0) return undefined;
    let best: Execution | undefined;
    for (const ex of list) {
      if (!best) best = ex;
      else if (ex.status === 'IN_PROGRESS' && best.status !== 'IN_PROGRESS') best = ex;
      else if (ex.status === best.status && ex.seq < best.seq) best = ex;
    }
    return best;
  }

  pendingFor(thing: string): Execution[] {
    return this.pending.get(thing) ?? [];
  }

  private removePending(ex: Execution): void {
    const list = this.pending.get(ex.thingName);
    if (!list) return;
    const i = list.indexOf(ex);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.pending.delete(ex.thingName);
    this.publishNotify(ex.thingName);
    this.refreshHead(ex.thingName);
  }

  /** notify-next fires only when the identity of the head changes (§3.6, §9 point 1). */
  private refreshHead(thing: string): void {
    const head = this.nextFor(thing);
    const id = head?.seq ?? -1;
    if ((this.lastHead.get(thing) ?? -1) === id) return;
    this.lastHead.set(thing, id);
    const payload: Record<string, unknown> = { timestamp: seconds(this.now()) };
    if (head) payload.execution = this.executionForDevice(head, true);
    this.deps.publish(jobsTopic.notifyNext(thing), JSON.stringify(payload));
  }

  /** notify (§3.6): on add/remove from the pending list, ≤10 entries, IN_PROGRESS first. */
  private publishNotify(thing: string): void {
    const list = [...(this.pending.get(thing) ?? [])].sort((a, b) => a.seq - b.seq);
    const inProgress = list.filter((e) => e.status === 'IN_PROGRESS');
    const queued = list.filter((e) => e.status === 'QUEUED');
    const jobs: Record<string, unknown[]> = {};
    const room = 10;
    const ip = inProgress.slice(0, room).map((e) => this.summaryForDevice(e));
    const q = queued.slice(0, room - ip.length).map((e) => this.summaryForDevice(e));
    if (ip.length) jobs.IN_PROGRESS = ip;
    if (q.length) jobs.QUEUED = q;
    this.deps.publish(jobsTopic.notify(thing),
      JSON.stringify({ timestamp: seconds(this.now()), jobs }));
  }

  // ---- device-facing shapes (§3.4): integer seconds, flat statusDetails, object document --

  summaryForDevice(ex: Execution): Record<string, unknown> {
    const out: Record<string, unknown> = {
      jobId: ex.jobId,
      queuedAt: seconds(ex.queuedAt),
    };
    if (ex.startedAt !== undefined) out.startedAt = seconds(ex.startedAt);
    out.lastUpdatedAt = seconds(ex.lastUpdatedAt);
    out.executionNumber = ex.executionNumber;
    out.versionNumber = ex.versionNumber;
    return out;
  }

  executionForDevice(ex: Execution, includeDocument: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = { jobId: ex.jobId, status: ex.status };
    if (Object.keys(ex.statusDetails).length) out.statusDetails = ex.statusDetails;
    out.queuedAt = seconds(ex.queuedAt);
    if (ex.startedAt !== undefined) out.startedAt = seconds(ex.startedAt);
    out.lastUpdatedAt = seconds(ex.lastUpdatedAt);
    out.versionNumber = ex.versionNumber;
    out.executionNumber = ex.executionNumber;
    const left = this.secondsBeforeTimeout(ex);
    if (left !== undefined) out.approximateSecondsBeforeTimedOut = left;
    if (includeDocument) out.jobDocument = this.documentFor(ex.jobId, ex.thingName);
    return out;
  }

  documentFor(jobId: string, thing: string): unknown {
    const job = this.getJob(jobId);
    if (this.deps.renderDocument) return this.deps.renderDocument(job, thing);
    let doc = this.parsedDocs.get(jobId);
    if (doc === undefined) {
      doc = JSON.parse(job.document);
      this.parsedDocs.set(jobId, doc);
    }
    return doc;
  }

  private emit(ex: Execution, job: Job): void {
    for (const fn of this.listeners) fn(ex, job);
  }
}

export function countStatus(job: Job, status: ExecutionStatus): number {
  return job.counts[status];
}
