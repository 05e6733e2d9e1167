/** Small helpers: latency samples and a seeded random source. */

export class Latencies {
  private readonly samples = new Map<string, number[]>();

  add(name: string, ms: number): void {
    let list = this.samples.get(name);
    if (!list) this.samples.set(name, (list = []));
    list.push(ms);
  }

  summary(name: string): { count: number; p50: number; p99: number; max: number } | null {
    const list = this.samples.get(name);
    if (!list || list.length === 0) return null;
    const sorted = [...list].sort((a, b) => a - b);
    return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]! };
  }

  names(): string[] {
    return [...this.samples.keys()].sort();
  }
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** mulberry32 (shared with the emulator's generated catalog): the scenario's choices repeat for a seed. */
export { seededRandom } from '../src/emulator/format.js';

export class Counter {
  private readonly counts = new Map<string, number>();
  inc(key: string, by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
  entries(): Array<[string, number]> {
    return [...this.counts].sort(([a], [b]) => (a < b ? -1 : 1));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
