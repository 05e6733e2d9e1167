/** Time as a dependency, so planners, TTLs and leases can run on a fake clock in tests and benches. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A clock that only moves when told to; sleepers wake when time passes them. */
export class FakeClock implements Clock {
  private sleepers: Array<{ until: number; resolve: () => void }> = [];
  constructor(private current = Date.UTC(2026, 10, 28, 8, 0, 0)) {}
  now(): number {
    return this.current;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ until: this.current + ms, resolve });
    });
  }
  advance(ms: number): void {
    this.current += ms;
    const due = this.sleepers.filter((s) => s.until <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.until > this.current);
    for (const s of due) s.resolve();
  }
  set(epochMs: number): void {
    this.advance(Math.max(0, epochMs - this.current));
  }
}
