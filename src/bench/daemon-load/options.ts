// Command-line options of the daemon load benchmark.

export interface LoadOptions {
  analyses: number;
  services: number;
  /** Measured window after the warm-up. */
  durationSeconds: number;
  /** The bench template's tick interval. */
  intervalSeconds: number;
  /** Simulated requests per second per service (both tracks). */
  rps: number;
  json: string;
  /** Whole run, set-up and tear-down included: past it the bench stops everything and fails. */
  timeoutSeconds: number;
  /** Daemon log level (info by default, like a real deployment). */
  logLevel: string;
  /**
   * Spread the creations evenly over one interval, so ticks are spread too (like analyses started
   * at unrelated times). Default: created back to back, so all ticks come due together (worst case).
   */
  stagger: boolean;
  /** `canaryd serve` processes (more than one needs --store postgres: src/bench/daemon-replicas.ts). */
  replicas: number;
  store: 'sqlite' | 'postgres';
  /** With replicas: seconds into the window at which one is killed with SIGKILL (default: half of it). */
  killAfterSeconds?: number;
}

export const USAGE =
  'usage: node dist/bench/daemon-load.js [--analyses N] [--duration SECONDS] [--quick] [--services N] ' +
  '[--interval SECONDS] [--rps N] [--stagger] [--json FILE] [--timeout SECONDS] [--log-level LEVEL] ' +
  '[--store sqlite|postgres] [--replicas N] [--kill-after SECONDS]';

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(value) || value < 1) throw new Error(`${flag}: expected a positive integer, got "${text}"`);
  return value;
}

export function parseLoadOptions(argv: readonly string[]): LoadOptions {
  const options: LoadOptions = {
    analyses: 200,
    services: 20,
    durationSeconds: 60,
    intervalSeconds: 5,
    rps: 200,
    json: 'bench-results/daemon-load.json',
    timeoutSeconds: 0,
    logLevel: 'info',
    stagger: false,
    replicas: 1,
    store: 'sqlite',
  };
  let quick = false;
  const explicit = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return value;
    };
    explicit.add(flag);
    if (flag === '--quick') quick = true;
    else if (flag === '--stagger') options.stagger = true;
    else if (flag === '--analyses') options.analyses = positiveInteger(flag, next());
    else if (flag === '--duration') options.durationSeconds = positiveInteger(flag, next());
    else if (flag === '--services') options.services = positiveInteger(flag, next());
    else if (flag === '--interval') options.intervalSeconds = positiveInteger(flag, next());
    else if (flag === '--rps') options.rps = positiveInteger(flag, next());
    else if (flag === '--json') options.json = next();
    else if (flag === '--timeout') options.timeoutSeconds = positiveInteger(flag, next());
    else if (flag === '--log-level') options.logLevel = next();
    else if (flag === '--replicas') options.replicas = positiveInteger(flag, next());
    else if (flag === '--kill-after') options.killAfterSeconds = positiveInteger(flag, next());
    else if (flag === '--store') {
      const store = next();
      if (store !== 'sqlite' && store !== 'postgres') throw new Error(`--store: expected sqlite or postgres, got "${store}"\n${USAGE}`);
      options.store = store;
    }
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  if (options.replicas > 1 && options.store !== 'postgres') throw new Error(`--replicas ${options.replicas}: several replicas need --store postgres (one daemon per SQLite file)\n${USAGE}`);
  if (quick) {
    if (!explicit.has('--analyses')) options.analyses = 50;
    if (!explicit.has('--duration')) options.durationSeconds = 20;
  }
  // Set-up (Prometheus, first scrapes, creation) and tear-down take well under three minutes.
  if (options.timeoutSeconds === 0) options.timeoutSeconds = options.durationSeconds + 4 * options.intervalSeconds + 180;
  return options;
}
