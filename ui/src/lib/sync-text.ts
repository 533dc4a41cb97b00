// Sync words: job statuses and rules (their labels come from core through domain.ts), what each
// rule does, which jobs Retry, Skip and Acknowledge apply to (core's states), and the card's line.
import type { JobRow, JobStatus, SyncCounts, SyncRule } from '../backend';
import { domain, SYNC_RULES } from '../backend/domain';

const SYNC = domain.sync;

/** Every status, in core's order, with core's words ("Synced", "Failed", …). */
export const JOB_STATUSES: readonly { status: JobStatus; label: string }[] = SYNC.statuses;

/** Every rule, with its provider, core's label and what it does. */
export { SYNC_RULES };

export function jobStatusLabel(status: JobStatus): string {
  return SYNC.statuses.find((s) => s.status === status)?.label ?? status;
}

export function ruleLabel(rule: SyncRule): string {
  return SYNC_RULES.find((r) => r.rule === rule)?.label ?? rule;
}

/** What a rule does, in core's words. */
export function ruleDescription(rule: SyncRule): string {
  return SYNC_RULES.find((r) => r.rule === rule)?.description ?? '';
}

/** Core's rules for which jobs each action changes (others are left as they are). */
export function canRetry(row: Pick<JobRow, 'status'>): boolean {
  return SYNC.retryFrom.includes(row.status);
}

export function canSkip(row: Pick<JobRow, 'status'>): boolean {
  return SYNC.skipFrom.includes(row.status);
}

/** Dead jobs nobody has acknowledged yet (they keep the integration red). */
export function canAcknowledge(row: Pick<JobRow, 'status' | 'acknowledged'>): boolean {
  return SYNC.acknowledgeFrom.includes(row.status) && !row.acknowledged;
}

/** The status's colour and icon group. */
export type JobTone = 'ok' | 'waiting' | 'warn' | 'bad' | 'quiet';

export function jobTone(status: JobStatus): JobTone {
  switch (status) {
    case 'succeeded':
      return 'ok';
    case 'pending':
    case 'scheduled':
    case 'running':
      return 'waiting';
    case 'retrying':
      return 'warn';
    case 'dead':
      return 'bad';
    default:
      return 'quiet';
  }
}

/** The card's counts, in words: "Synced today 12 · Waiting 3 · Failed 1". Retrying jobs count as waiting. */
export function syncCountsText(c: SyncCounts): string {
  return `Synced today ${c.syncedToday.toLocaleString()} · Waiting ${(c.waiting + c.retrying).toLocaleString()} · Failed ${c.failed.toLocaleString()}`;
}

/** The latest failure, in plain words, as the card says it. */
export function latestFailureText(c: SyncCounts): string | null {
  if (!c.latestFailure) return null;
  const text = c.latestFailure.trim();
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** Why a job is where it is: the reason (skipped, cancelled, failed for good), else the last error. */
export function jobReason(row: Pick<JobRow, 'reason' | 'lastError' | 'status'>): string | null {
  if (row.reason) return row.reason;
  if (row.status === 'succeeded') return null;
  return row.lastError;
}
