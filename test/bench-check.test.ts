import { describe, expect, it } from 'vitest';
// The bench itself (plain JavaScript, run by `npm run bench`): its throughput figure is the median of
// several fresh processes, and this checks that statistic, not the speed.
// @ts-expect-error: a bench in plain JavaScript, without type declarations.
import * as untypedBench from '../bench/check.js';

interface ProcessFigure {
  ms: number;
  objects: number;
  id: number;
}
const bench = untypedBench as {
  THROUGHPUT_PROCESSES: number;
  throughputProcesses: (
    run: () => ProcessFigure,
  ) => ProcessFigure & { slowestPerSecond: number; fastestPerSecond: number };
};
const { THROUGHPUT_PROCESSES, throughputProcesses } = bench;

describe('bench/check.js throughput figure', () => {
  it('is the median process of several, with the slowest and fastest beside it', () => {
    expect(THROUGHPUT_PROCESSES).toBeGreaterThanOrEqual(3);
    expect(THROUGHPUT_PROCESSES % 2).toBe(1); // a middle process, not an average of two
    // Times in the order the processes ran: the median is not the first, the last or the mean.
    const times = [500, 250, 400, 800, 450, 300, 350].slice(0, THROUGHPUT_PROCESSES);
    const sorted = [...times].sort((a, b) => a - b);
    let calls = 0;
    const figure = throughputProcesses(() => ({ ms: times[calls]!, objects: 10_000, id: calls++ }));
    expect(calls).toBe(THROUGHPUT_PROCESSES);
    const middle = sorted[Math.floor(sorted.length / 2)]!;
    expect(figure.ms).toBe(middle);
    // The whole record of that process travels with its time (first run, CPU time, memory).
    expect(figure.id).toBe(times.indexOf(middle));
    expect(figure.slowestPerSecond).toBe(Math.round((10_000 / sorted.at(-1)!) * 1000));
    expect(figure.fastestPerSecond).toBe(Math.round((10_000 / sorted[0]!) * 1000));
  });
});
