// OutageLog: one line when failures start, one when they end, naming how many
// there were and for how long; nothing per failure in between.
import { describe, expect, it } from 'vitest';
import { OutageLog } from '../../src/log/outage-log.js';

function recorder() {
  const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  let clock = 1_000;
  return {
    lines,
    advance: (ms: number) => void (clock += ms),
    log: { error: (obj: object, msg: string) => void lines.push({ obj: obj as Record<string, unknown>, msg }) },
    now: () => clock,
  };
}

describe('OutageLog', () => {
  it('logs the first failure with its error, counts the rest silently, and ends with the count and duration', () => {
    const r = recorder();
    const outage = new OutageLog({ log: r.log, component: 'bus publish', effect: 'other nodes miss these events', now: r.now });
    outage.recovered(); // nothing failed: nothing to say
    expect(r.lines).toEqual([]);

    const first = new Error('Stream isn\'t writeable');
    outage.failed(first);
    for (let i = 0; i < 5999; i++) outage.failed(new Error('again'));
    expect(outage.failing).toBe(true);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]!.obj).toEqual({ event: 'outage', component: 'bus publish', err: first });
    expect(r.lines[0]!.msg).toMatch(/^bus publish failing \(other nodes miss these events\); further failures are counted/);

    r.advance(10_250);
    outage.recovered();
    outage.recovered();
    expect(outage.failing).toBe(false);
    expect(r.lines).toHaveLength(2);
    expect(r.lines[1]).toEqual({
      obj: { event: 'outage_end', component: 'bus publish', failures: 6000, ms: 10_250 },
      msg: 'bus publish works again after 6000 failures in 10.3 s',
    });
  });

  it('starts over for the next outage', () => {
    const r = recorder();
    const outage = new OutageLog({ log: r.log, component: 'presence refresh', now: r.now });
    outage.failed(new Error('down'));
    outage.recovered();
    outage.failed(new Error('down again'));
    r.advance(500);
    outage.recovered();
    expect(r.lines.map((l) => l.msg)).toEqual([
      'presence refresh failing; further failures are counted, not logged, until it works again',
      'presence refresh works again after 1 failure in 0.0 s',
      'presence refresh failing; further failures are counted, not logged, until it works again',
      'presence refresh works again after 1 failure in 0.5 s',
    ]);
  });
});
