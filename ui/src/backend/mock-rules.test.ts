// The mock's rule-settings commands against core's rules: segment counts as
// crates/domain/src/sms/segments.rs, the preview's sample render and template issues, E.164 and
// masking as crates/domain/src/phone.rs, the opt-out list's conflict / not found / refusals, and
// the QuickBooks dropdowns' lists and "cannot be reached".
import { describe, expect, it } from 'vitest';
import { createMockBackend, sampleIntegrations } from './mock';
import { countSegments, e164, maskPhone, renderSample, sampleOptOuts } from './mock-rules';
import type { Role } from './types';

function sample(role: Role = 'admin', rules = { optOuts: sampleOptOuts() }) {
  return createMockBackend({}, { signedIn: role, integrations: sampleIntegrations(), rules, settings: { clinicName: 'Maple Vet' } });
}

describe('countSegments (core’s segments.rs)', () => {
  it('counts GSM-7 septets, extension characters as two, and splits at 153', () => {
    expect(countSegments('')).toMatchObject({ encoding: 'GSM-7', segments: 0 });
    expect(countSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSegments('a'.repeat(161))).toMatchObject({ segments: 2 });
    expect(countSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', characters: 80, units: 160, segments: 1 });
    // An escape pair is never split: 152 septets then € (2) starts the second part.
    expect(countSegments('a'.repeat(152) + '€' + 'a'.repeat(10))).toMatchObject({ units: 164, segments: 2 });
    expect(countSegments('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(countSegments('a'.repeat(307))).toMatchObject({ segments: 3 });
  });

  it('counts UCS-2 in UTF-16 units, 70 in one segment and 67 per part', () => {
    expect(countSegments('Café ok ✓')).toMatchObject({ encoding: 'UCS-2', characters: 9, units: 9, segments: 1 });
    expect(countSegments('✓'.repeat(70))).toMatchObject({ segments: 1 });
    expect(countSegments('✓'.repeat(71))).toMatchObject({ segments: 2 });
    expect(countSegments('🐶')).toMatchObject({ characters: 1, units: 2 });
  });
});

describe('renderSample', () => {
  it('fills every placeholder with the sample appointment and keeps escaped braces', () => {
    const start = new Date(2026, 11, 1, 15, 30);
    expect(renderSample('Hi {owner_name}, {pet_name} sees {vet_name} at {clinic_name} on {date} at {time}. {{STOP}}', 'Maple Vet', start)).toBe(
      'Hi Jane Doe, Rex sees Dr. Ortiz at Maple Vet on Tuesday, December 1 at 3:30 PM. {STOP}',
    );
  });
});

describe('previewSms', () => {
  it('renders with the clinic’s name and counts the segments', async () => {
    const out = await sample().previewSms('reminder_template', '{clinic_name}: see you, {pet_name}!');
    if (out.status !== 'ok') throw new Error(out.error.message);
    expect(out.data).toEqual({ text: 'Maple Vet: see you, Rex!', encoding: 'GSM-7', characters: 24, segments: 1, issues: [] });
  });

  it('reports an unknown placeholder naming the field, and shows the template as written', async () => {
    const out = await sample().previewSms('confirmation_template', 'Hi {owner}');
    if (out.status !== 'ok') throw new Error(out.error.message);
    expect(out.data.text).toBe('Hi {owner}');
    expect(out.data.issues).toEqual([expect.objectContaining({ field: 'confirmation_template', severity: 'error' })]);
    expect(out.data.issues[0]?.message).toContain('{owner}');
  });

  it('warns about UCS-2', async () => {
    const out = await sample().previewSms('reminder_template', 'See you soon 🐶');
    if (out.status !== 'ok') throw new Error(out.error.message);
    expect(out.data.encoding).toBe('UCS-2');
    expect(out.data.issues).toEqual([expect.objectContaining({ severity: 'warning' })]);
  });
});

describe('the opt-out list', () => {
  it('normalises and masks numbers as core does', () => {
    expect(e164('phone', ' +1 (415) 555-2345 ')).toEqual({ value: '+14155552345' });
    for (const bad of ['4155552345', '+0415555', '+1415', '+1415555abcd', '', '+1234567890123456']) {
      expect(e164('phone', bad)).toMatchObject({ field: 'phone' });
    }
    expect(maskPhone('+14155552345')).toBe('…2345');
  });

  it('lists masked numbers newest first; adds (conflict if present) and clears (not found if unknown), audited', async () => {
    const backend = sample('manager');
    const listed = async () => {
      const out = await backend.smsOptOuts();
      if (out.status !== 'ok') throw new Error(out.error.message);
      return out.data;
    };
    expect((await listed()).map((o) => [o.phone, o.source])).toEqual([
      ['…3321', 'twilio:21610'],
      ['…8842', 'maria'],
    ]);
    expect(JSON.stringify(await listed())).not.toContain('5550133321');

    expect(await backend.addSmsOptOut('555-1234')).toMatchObject({ status: 'error', error: { code: 'validation', field: 'phone' } });
    expect(await backend.addSmsOptOut('+1 555 010 7788')).toEqual({ status: 'ok', data: null });
    expect(await backend.addSmsOptOut('+15550107788')).toMatchObject({ status: 'error', error: { code: 'conflict' } });
    const rows = await listed();
    expect(rows[0]).toMatchObject({ phone: '…7788', source: 'maria' });

    expect(await backend.clearSmsOptOut('999')).toMatchObject({ status: 'error', error: { code: 'not_found' } });
    expect(await backend.clearSmsOptOut('x')).toMatchObject({ status: 'error', error: { code: 'validation', field: 'id' } });
    expect(await backend.clearSmsOptOut(rows[0]?.id ?? '')).toEqual({ status: 'ok', data: null });
    expect((await listed()).map((o) => o.phone)).toEqual(['…3321', '…8842']);
    const page = backend.audit.page({}, null, 500);
    if (page.status !== 'ok') throw new Error(page.error.message);
    const audit = page.data.rows.filter((e) => e.action === 'opt_out.change');
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain('5550107788');
  });

  it('lets the front desk read the list but not change it', async () => {
    const backend = sample('front_desk');
    expect(await backend.smsOptOuts()).toMatchObject({ status: 'ok' });
    expect(await backend.addSmsOptOut('+15550107788')).toMatchObject({ status: 'error', error: { code: 'forbidden' } });
    expect(await backend.clearSmsOptOut('1')).toMatchObject({ status: 'error', error: { code: 'forbidden' } });
  });
});

describe('quickbooksChoices', () => {
  it('answers the company’s lists for a QuickBooks integration only', async () => {
    const backend = sample('manager');
    const out = await backend.quickbooksChoices('int_sample_quickbooks');
    if (out.status !== 'ok') throw new Error(out.error.message);
    expect(out.data.items.length).toBeGreaterThan(0);
    expect(await backend.quickbooksChoices('int_sample_twilio')).toMatchObject({ status: 'error', error: { code: 'validation', field: 'integration' } });
    expect(await backend.quickbooksChoices('nope')).toMatchObject({ status: 'error', error: { code: 'not_found' } });
    backend.setQuickbooksChoices({ unreachable: 'QuickBooks is not connected.' });
    expect(await backend.quickbooksChoices('int_sample_quickbooks')).toMatchObject({ status: 'error', error: { code: 'provider' } });
    expect(await sample('front_desk').quickbooksChoices('int_sample_quickbooks')).toMatchObject({ status: 'error', error: { code: 'forbidden' } });
  });
});
