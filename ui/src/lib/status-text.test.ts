import { describe, expect, it } from 'vitest';
import type { NetFailure } from '../backend';
import { networkProblem, providerSaid, statusSummary } from './status-text';

describe('providerSaid', () => {
  it('quotes the provider with its code', () => {
    expect(providerSaid('square', { providerMessage: 'This request could not be authorized.', providerCode: 'UNAUTHORIZED' })).toBe(
      'Square said: This request could not be authorized. (UNAUTHORIZED)',
    );
    expect(providerSaid('twilio', { providerMessage: 'Authenticate', providerCode: null })).toBe('Twilio said: Authenticate');
    expect(providerSaid('quickbooks', { providerMessage: null, providerCode: '3200' })).toBe('QuickBooks answered with the code 3200.');
    expect(providerSaid('quickbooks', { providerMessage: '  ', providerCode: null })).toBeNull();
  });
});

describe('networkProblem', () => {
  it('words the error class of an unreachable provider', () => {
    expect(networkProblem({ errorClass: 'dns' })).toBe('The server name did not resolve (DNS)');
    // Core names a failure from a closed set now; a name from a newer version still reads.
    expect(networkProblem({ errorClass: 'weird' as NetFailure })).toBe('Weird');
    expect(networkProblem({ errorClass: null })).toBeNull();
  });
});

describe('statusSummary', () => {
  const of = (...levels: ('green' | 'yellow' | 'red' | 'off')[]) => levels.map((level) => ({ level }));
  it('counts each level and leaves out what there is none of', () => {
    expect(statusSummary(of('green', 'green', 'yellow', 'green'))).toBe('3 working · 1 needs attention');
    expect(statusSummary(of('red', 'off', 'yellow', 'yellow'))).toBe('2 need attention · 1 not working · 1 off');
    expect(statusSummary([])).toBe('');
  });
});
