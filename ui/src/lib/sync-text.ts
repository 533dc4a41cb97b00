// Sync words: job statuses and rules (their labels come from core through domain.ts), what each
// rule does, which jobs Retry, Skip and Acknowledge apply to (core's states), and the card's line.
import type { JobRow, JobStatus, Provider, SyncCounts, SyncRule } from '../backend';
import { domain } from '../backend/domain';

const SYNC = domain.sync;

/** Every status, in core's order, with core's words ("Synced", "Failed", …). */
export const JOB_STATUSES: readonly { status: JobStatus; label: string }[] = SYNC.statuses;

/** Every rule, with its provider and core's label. */
export const SYNC_RULES: readonly { rule: SyncRule; label: string; provider: Provider }[] = SYNC.rules;

export function jobStatusLabel(status: JobStatus): string {
  return SYNC.statuses.find((s) => s.status === status)?.label ?? status;
}

export function ruleLabel(rule: SyncRule): string {
  return SYNC.rules.find((r) => r.rule === rule)?.label ?? rule;
}

/** What each rule does, in a line (design.md's Sync table). */
export const RULE_DESCRIPTIONS: Record<SyncRule, string> = {
  appointment_texts:
    'Texts the owner when an appointment is booked, a reminder before it (24 hours by default) and a notice if it is cancelled — never to an owner without consent or a number that opted out.',
  invoices:
    'Creates each clinic invoice in QuickBooks (finding or adding the owner as a customer) and records its payments against it, without ever making a duplicate.',
  payments_in:
    'Reads card payments and refunds from Square every few minutes and on “Sync now”, and sends each one on as an event (to webhooks and, when it names an invoice, to QuickBooks).',
};

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
