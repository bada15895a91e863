import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { round } from "./app-harness.js";

/** The process's memory and event-loop delay over a stretch of a benchmark. */
export interface ProcessSample {
  readonly rssMb: number;
  readonly peakRssMb: number;
  readonly peakHeapUsedMb: number;
  readonly eventLoopP50Ms: number;
  readonly eventLoopP99Ms: number;
  readonly eventLoopMaxMs: number;
  readonly samples: number;
}

const MB = 1024 * 1024;

/** Samples memory every 100 ms and the event-loop delay until stopped. */
export function startSampling() {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let peakRss = 0;
  let peakHeap = 0;
  let lastRss = 0;
  let samples = 0;
  const sample = () => {
    const m = process.memoryUsage();
    lastRss = m.rss;
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    samples++;
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop(): ProcessSample {
      clearInterval(timer);
      sample();
      histogram.disable();
      const ms = (ns: number) => round(ns / 1e6);
      return {
        rssMb: round(lastRss / MB, 1),
        peakRssMb: round(peakRss / MB, 1),
        peakHeapUsedMb: round(peakHeap / MB, 1),
        eventLoopP50Ms: ms(histogram.percentile(50)),
        eventLoopP99Ms: ms(histogram.percentile(99)),
        eventLoopMaxMs: ms(histogram.max),
        samples,
      };
    },
  };
}

/** Linux's USER_HZ: /proc counts CPU time in these ticks (100 a second on every architecture Node runs on). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms) of this process and of its child processes that have ended
 * and been waited for (and theirs, in turn): what a benchmark that starts runner processes
 * spends in all of them. From /proc/self/stat; null where there is no /proc.
 */
export function readTreeCpuMs(): number | null {
  let stat: string;
  try {
    stat = readFileSync("/proc/self/stat", "utf8");
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces): utime, stime, cutime, cstime are 14–17.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
}
