// Sample data for "Send test event": what each event type might carry at a clinic. Only the
// `data` part; core wraps it in the envelope ({id, event, timestamp, data}) and signs the bytes.

const SAMPLES: Record<string, unknown> = {
  'test.ping': { message: 'Hello from Switchboard. This is a test event.' },
  'appointment.created': {
    appointmentId: 'apt_test_1001',
    patientId: 'pat_test_42',
    patientName: 'Biscuit',
    ownerName: 'Jordan Lee',
    startsAt: '2026-12-01T15:30:00Z',
    durationMinutes: 30,
    reason: 'Annual vaccination',
  },
  'appointment.updated': {
    appointmentId: 'apt_test_1001',
    patientId: 'pat_test_42',
    startsAt: '2026-12-02T10:00:00Z',
    changes: ['startsAt'],
  },
  'appointment.cancelled': { appointmentId: 'apt_test_1001', patientId: 'pat_test_42', reason: 'Owner called to cancel' },
  'appointment.completed': { appointmentId: 'apt_test_1001', patientId: 'pat_test_42', completedAt: '2026-12-01T16:05:00Z' },
  'patient.created': { patientId: 'pat_test_42', name: 'Biscuit', species: 'dog', ownerName: 'Jordan Lee' },
  'patient.updated': { patientId: 'pat_test_42', changes: ['weightKg'], weightKg: 12.4 },
  'record.finalized': { recordId: 'rec_test_77', patientId: 'pat_test_42', kind: 'visit_note', finalizedBy: 'Dr. Patel' },
  'invoice.created': { invoiceId: 'inv_test_5001', patientId: 'pat_test_42', total: 84.5, currency: 'USD' },
  'invoice.paid': { invoiceId: 'inv_test_5001', amountPaid: 84.5, currency: 'USD', paidAt: '2026-12-01T16:10:00Z' },
  'payment.completed': { paymentId: 'pay_test_9001', invoiceId: 'inv_test_5001', amount: 84.5, currency: 'USD', method: 'card' },
  'payment.failed': { paymentId: 'pay_test_9002', invoiceId: 'inv_test_5001', amount: 84.5, currency: 'USD', reason: 'card_declined' },
  'call.completed': { callId: 'call_test_300', from: '+15551234567', durationSeconds: 142, direction: 'inbound' },
  'emergency.detected': { patientId: 'pat_test_42', source: 'front_desk', summary: 'Suspected toxin ingestion', severity: 'high' },
};

/** Pretty-printed sample data for an event type; marked as a test so receivers can ignore it. */
export function sampleData(type: string): string {
  const sample = SAMPLES[type] ?? {};
  const marked = type === 'test.ping' ? sample : { ...(sample as object), test: true };
  return JSON.stringify(marked, null, 2);
}
