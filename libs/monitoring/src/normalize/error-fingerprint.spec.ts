import { errorFingerprint, normalizeErrorMessage } from './error-fingerprint';

describe('error fingerprints', () => {
  it('masks ids, numbers and quoted values', () => {
    expect(normalizeErrorMessage('order 42 not found for user "ann" (3f2a1b4c-1111-4222-8333-444455556666)')).toBe(
      'order <n> not found for user <str> (<uuid>)',
    );
  });

  it('groups messages that differ only in values, and separates types and services', () => {
    const a = errorFingerprint('shop', 'NotFound', 'order 41 not found');
    expect(errorFingerprint('shop', 'NotFound', 'order 42 not found')).toBe(a);
    expect(errorFingerprint('shop', 'TypeError', 'order 42 not found')).not.toBe(a);
    expect(errorFingerprint('billing', 'NotFound', 'order 42 not found')).not.toBe(a);
  });
});
