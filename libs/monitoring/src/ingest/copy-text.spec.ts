import { copyRow, copyValue, jsonText } from './copy-text';

describe('COPY text encoding', () => {
  it('escapes the characters that would break a row, and writes NULL as \\N', () => {
    expect(copyValue('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue(undefined)).toBe('\\N');
    expect(copyValue(12.5)).toBe('12.5');
    expect(copyValue('\\N')).toBe('\\\\N');
  });

  it('replaces NUL, which PostgreSQL text cannot hold', () => {
    expect(copyValue('a\0b')).toBe('a\uFFFDb');
  });

  it('joins a row with tabs and ends it with a newline', () => {
    expect(copyRow(['x', 1, null])).toBe('x\t1\t\\N\n');
  });

  it('makes JSON that jsonb accepts', () => {
    expect(jsonText({ a: 1 })).toBe('{"a":1}');
    expect(jsonText(undefined)).toBeNull();
    expect(jsonText({ 'k\0': 'v\0', lone: 'x\ud800' })).toBe('{"k\uFFFD":"v\uFFFD","lone":"x\uFFFD"}');
  });
});
