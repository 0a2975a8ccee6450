import { ValidationError } from '@vigil/common';
import { coverWindow, parseWindow } from './time-window';

const at = (iso: string) => Date.parse(iso);
const seg = (resolution: number, from: string, to: string) => ({ resolution, from: at(from), to: at(to) });

describe('time windows', () => {
  it('parses relative windows and from/to', () => {
    const now = at('2026-11-23T12:00:00Z');
    expect(parseWindow({ window: '15m' }, now)).toEqual({ from: now - 900_000, to: now });
    expect(parseWindow({}, now)).toEqual({ from: now - 86_400_000, to: now });
    expect(parseWindow({ from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z' }, now)).toEqual({
      from: at('2026-11-20T00:00:00Z'),
      to: at('2026-11-21T00:00:00Z'),
    });
  });

  it.each([
    [{ window: '7x' }, 'window'],
    [{ window: '401d' }, 'window'],
    [{ from: 'yesterday' }, 'from'],
    [{ from: '2026-11-21T00:00:00Z', to: '2026-11-20T00:00:00Z' }, 'from'],
  ])('rejects %j naming %s', (query, path) => {
    try {
      parseWindow(query, Date.now());
      throw new Error('expected a ValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details![0].path).toBe(path);
    }
  });

  it('covers a short window to the minute with hours inside', () => {
    expect(coverWindow({ from: at('2026-11-23T09:45:30Z'), to: at('2026-11-23T12:10:00Z') })).toEqual([
      seg(60, '2026-11-23T09:45:00Z', '2026-11-23T10:00:00Z'),
      seg(3600, '2026-11-23T10:00:00Z', '2026-11-23T12:00:00Z'),
      seg(60, '2026-11-23T12:00:00Z', '2026-11-23T12:10:00Z'),
    ]);
  });

  it('covers a long window with days, widened to whole hours at its edges', () => {
    expect(coverWindow({ from: at('2026-11-16T12:10:00Z'), to: at('2026-11-23T12:10:00Z') })).toEqual([
      seg(3600, '2026-11-16T12:00:00Z', '2026-11-17T00:00:00Z'),
      seg(86400, '2026-11-17T00:00:00Z', '2026-11-23T00:00:00Z'),
      seg(3600, '2026-11-23T00:00:00Z', '2026-11-23T13:00:00Z'),
    ]);
  });

  it('leaves no gap and no overlap', () => {
    for (const [from, to] of [
      ['2026-11-01T00:00:00Z', '2026-11-30T00:00:00Z'],
      ['2026-11-23T11:59:00Z', '2026-11-23T12:01:00Z'],
      ['2026-11-22T23:30:00Z', '2026-11-23T05:15:00Z'],
    ]) {
      const segments = coverWindow({ from: at(from), to: at(to) });
      for (let i = 1; i < segments.length; i++) expect(segments[i].from).toBe(segments[i - 1].to);
      expect(segments[0].from).toBeLessThanOrEqual(at(from));
      expect(segments[segments.length - 1].to).toBeGreaterThanOrEqual(at(to));
    }
  });
});
