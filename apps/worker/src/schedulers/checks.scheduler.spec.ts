import { slotOf } from '../processors/checks.processor';
import { checksTick } from './checks.scheduler';

describe('check scheduling', () => {
  it('gives every replica the same dispatch job id for one 10-second tick, without ":"', () => {
    const a = checksTick(new Date('2026-11-23T10:15:21.300Z'));
    const b = checksTick(new Date('2026-11-23T10:15:29.999Z'));
    expect(a).toEqual({ tick: '2026-11-23T10:15:20.000Z', jobId: 'checks-2026-11-23T10-15-20' });
    expect(b).toEqual(a);
    expect(checksTick(new Date('2026-11-23T10:15:30.000Z')).jobId).toBe('checks-2026-11-23T10-15-30');
  });

  it('puts every tick within one interval into the same slot, so a target is checked once per interval', () => {
    const minute = 60_000;
    const base = Date.parse('2026-11-23T10:15:00.000Z');
    const slots = [0, 10_000, 50_000, 59_999].map((offset) => slotOf(base + offset, minute));
    expect(new Set(slots)).toEqual(new Set([base]));
    expect(slotOf(base + minute, minute)).toBe(base + minute);
  });
});
