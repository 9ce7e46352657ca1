import { describe, expect, it } from 'vitest';
import { EventLoopMonitor, type EventLoopStall } from '../../src/runtime/loop-monitor.js';

describe('EventLoopMonitor', () => {
  it('reports a lateness above the threshold as a stall, and nothing at or below it', () => {
    const stalls: EventLoopStall[] = [];
    const monitor = new EventLoopMonitor({ thresholdMs: 20, onStall: (s) => void stalls.push(s) });
    expect(monitor.observe(100, 120, 'election-timer')).toBe(null);
    expect(monitor.observe(200, 221, 'check')).toEqual({ at: 221, duration: 21, source: 'check' });
    expect(stalls).toHaveLength(1);
    expect(monitor.stallCount).toBe(1);
    expect(monitor.lastStall).toEqual(stalls[0]);
    expect(monitor.delay()).toBe(null); // no histogram unless asked for
  });

  it('counts blocked time once: the timer that fires after a check of the same stall adds nothing', () => {
    const monitor = new EventLoopMonitor({ thresholdMs: 20, onStall: () => undefined });
    expect(monitor.observe(100, 150, 'check')?.duration).toBe(50);
    expect(monitor.observe(100, 151, 'election-timer')).toBe(null);
    expect(monitor.observe(100, 190, 'election-timer')?.duration).toBe(40); // blocked again, from 150
    expect(monitor.stallCount).toBe(2);
  });
});
