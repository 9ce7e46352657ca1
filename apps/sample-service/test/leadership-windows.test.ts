import { describe, expect, it } from 'vitest';
import { checkHistory, type HistoryWrite } from './support/history.js';
import { leadershipWindows, overlaps, type Record } from './support/leadership-windows.js';

// The checker the process test relies on, on hand-made logs: the windows must come out right for a clean
// handover, a SIGKILL (no loss logged) and a SIGSTOP (loss logged long after the lease ended).

function record(pid: number, event: string, term: number, mono: number, extra: Partial<Record> = {}): Record {
  return {
    log: 'leadership',
    event,
    term,
    mono: String(mono),
    nodeId: `id-${pid}`,
    nodeName: `n${pid}`,
    pid,
    ...extra,
  };
}

describe('leadershipWindows', () => {
  it('ends a window at the loss, at the last lease end when no loss came first, and finds overlaps', () => {
    const records = [
      // pid 1 leads term 1 and hands over at 300.
      record(1, 'became-leader', 1, 105, { sinceMono: '100', leaseEndMono: '200' }),
      record(1, 'lease', 1, 150, { leaseEndMono: '400' }),
      record(1, 'lost-leadership', 1, 300),
      // pid 2 leads term 2 from 310 and is SIGKILLed: its last lease end, 500, ends the window.
      record(2, 'became-leader', 2, 312, { sinceMono: '310', leaseEndMono: '450' }),
      record(2, 'lease', 2, 350, { leaseEndMono: '500' }),
      // pid 3 leads term 3 from 520, is frozen, and logs the loss when it wakes at 2000.
      record(3, 'became-leader', 3, 521, { sinceMono: '520', leaseEndMono: '700' }),
      record(3, 'lost-leadership', 3, 2000),
    ];
    const windows = leadershipWindows(records);
    expect(windows.map(({ pid, term, start, end, endedBy }) => ({ pid, term, start, end, endedBy }))).toEqual(
      [
        { pid: 1, term: 1, start: 100n, end: 300n, endedBy: 'lost-leadership' },
        { pid: 2, term: 2, start: 310n, end: 500n, endedBy: 'lease' },
        { pid: 3, term: 3, start: 520n, end: 700n, endedBy: 'lease' },
      ],
    );
    expect(overlaps(windows)).toEqual([]);

    // A fourth leader starting before the frozen one's lease ended would be caught.
    const early = leadershipWindows([
      ...records,
      record(4, 'became-leader', 4, 650, { sinceMono: '650', leaseEndMono: '900' }),
    ]);
    expect(overlaps(early).map(([a, b]) => [a.pid, b.pid])).toEqual([[3, 4]]);
  });

  it('keeps election groups apart: two groups may lead at once, two leaders of one group may not', () => {
    const reports = { group: 'reports' };
    const records = [
      // pid 1 leads the default election in term 1, pid 2 leads group reports in term 7, at the same time.
      record(1, 'became-leader', 1, 105, { sinceMono: '100', leaseEndMono: '500' }),
      record(1, 'lost-leadership', 1, 400),
      record(2, 'became-leader', 7, 150, { sinceMono: '150', leaseEndMono: '300', ...reports }),
      record(2, 'lease', 7, 200, { leaseEndMono: '450', ...reports }),
      // pid 2's term 7 of the default election would be another window: none here, so its records stay apart.
      record(2, 'lost-leadership', 7, 430, reports),
    ];
    const windows = leadershipWindows(records);
    expect(windows.map(({ group, pid, term, end }) => ({ group, pid, term, end }))).toEqual([
      { group: 'default', pid: 1, term: 1, end: 400n },
      { group: 'reports', pid: 2, term: 7, end: 430n },
    ]);
    expect(overlaps(windows)).toEqual([]);
    // Another leader of reports inside pid 2's window is caught.
    const twice = leadershipWindows([
      ...records,
      record(3, 'became-leader', 8, 420, { sinceMono: '420', leaseEndMono: '600', ...reports }),
    ]);
    expect(overlaps(twice).map(([a, b]) => [a.group, a.pid, b.pid])).toEqual([['reports', 2, 3]]);
  });
});

describe('checkHistory', () => {
  const windows = leadershipWindows([
    record(1, 'became-leader', 1, 100, { sinceMono: '100', leaseEndMono: '500' }),
    record(1, 'lost-leadership', 1, 400),
    record(2, 'became-leader', 7, 150, { sinceMono: '150', leaseEndMono: '450', group: 'reports' }),
    record(2, 'lost-leadership', 7, 430, { group: 'reports' }),
    record(3, 'became-leader', 8, 440, { sinceMono: '440', leaseEndMono: '900', group: 'reports' }),
  ]);
  const write = (seq: number, job: string, token: number, pid: number, mono: number): HistoryWrite => ({
    seq,
    job,
    token,
    nodeId: `id-${pid}`,
    mono: String(mono),
  });

  it("accepts each job's writes inside its own group's windows, with each job's tokens in order", () => {
    const history = checkHistory(
      windows,
      [write(1, 'reports', 7, 2, 200), write(2, 'default', 1, 1, 210), write(3, 'reports', 8, 3, 500)],
      [],
    );
    expect(history.writesByJob).toEqual({ reports: 2, default: 1 });
    expect([history.late, history.outside, history.overlapping]).toEqual([[], [], []]);
  });

  it("catches a write outside its group's window (in another group's), and a job's token going back", () => {
    const history = checkHistory(
      windows,
      [
        // pid 1 leads the default election at 300, but writes for reports with its token: outside.
        write(1, 'reports', 1, 1, 300),
        write(2, 'reports', 8, 3, 500),
        write(3, 'reports', 7, 2, 420),
      ],
      [],
    );
    expect(history.outside).toEqual(['reports #1 token 1 by id-1 at 300']);
    expect(history.late).toEqual(['reports #3 token 7 after #2 token 8']);
  });
});
