import { describe, expect, it } from 'vitest';
import { TrafficHistory } from '../../../../src/lambda/traffic';

describe('TrafficHistory', () => {
  it('is sporadic until three idle gaps in a row fit the interval', () => {
    const traffic = new TrafficHistory(1000);
    traffic.invoked(0);
    for (const [end, next] of [
      [10, 500],
      [510, 1000],
      [1010, 1500],
    ] as const) {
      expect(traffic.frequent()).toBe(false);
      traffic.idle(end);
      traffic.invoked(next);
    }
    expect(traffic.frequent()).toBe(true);
  });

  it('turns sporadic at one gap over the interval, and measures gaps from the end of the work, not the start', () => {
    const traffic = new TrafficHistory(1000);
    let t = 0;
    for (let i = 0; i < 4; i++) {
      traffic.invoked(t);
      // A slow export after the response: 1.5 s of work, then 100 ms idle.
      traffic.idle(t + 1500);
      t += 1600;
    }
    traffic.invoked(t);
    expect(traffic.frequent()).toBe(true);
    traffic.idle(t + 10);
    traffic.invoked(t + 5000);
    expect(traffic.frequent()).toBe(false);
  });
});
