/** Command line of `npm run soak`: `--minutes N`, `--orders-per-second R`, `--drain-seconds S`, `--seed X`. */
export interface SoakArgs {
  minutes: number;
  ordersPerSecond: number;
  /** Upper bound of each wait for the worker to settle after the traffic stops. */
  drainSeconds: number;
  /** Storefront browsing loops running side by side. */
  browsers: number;
  /** Seed of the scenario's random choices (the bridge's own timing is not seeded). */
  seed: number;
  keepData: boolean;
}

export const DEFAULT_ARGS: SoakArgs = { minutes: 3, ordersPerSecond: 0.5, drainSeconds: 90, browsers: 3, seed: Date.now() % 1_000_000, keepData: false };

export function parseArgs(argv: string[]): SoakArgs {
  const args: SoakArgs = { ...DEFAULT_ARGS };
  const num = (name: string, raw: string | undefined, min: number, max: number): number => {
    const n = Number(raw);
    if (raw === undefined || !Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} needs a number between ${min} and ${max} (got ${raw ?? 'nothing'})`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--minutes':
        args.minutes = num('minutes', value(), 0.1, 120);
        break;
      case '--orders-per-second':
        args.ordersPerSecond = num('orders-per-second', value(), 0.01, 20);
        break;
      case '--drain-seconds':
        args.drainSeconds = num('drain-seconds', value(), 5, 600);
        break;
      case '--browsers':
        args.browsers = num('browsers', value(), 0, 20);
        break;
      case '--seed':
        args.seed = num('seed', value(), 0, Number.MAX_SAFE_INTEGER);
        break;
      case '--keep-data':
        args.keepData = true;
        break;
      case '--help':
      case '-h':
        throw new HelpRequested();
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return args;
}

export class HelpRequested extends Error {}

export const USAGE = `npm run soak -- [--minutes N] [--orders-per-second R] [--drain-seconds S] [--browsers B] [--seed X] [--keep-data]

Starts the bridge in demo mode on 127.0.0.1 (embedded Zoho emulator, SQLite in a temp dir),
runs storefront traffic, checkouts, Zoho-side churn and injected faults for N minutes
(default 3), lets the worker drain, then checks the invariants. Exit code 1 when one fails.`;
