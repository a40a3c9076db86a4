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
  /** `canaryd serve` processes (more than one needs --store postgres: bench/daemon-replicas.ts). */
  replicas: number;
  store: 'sqlite' | 'postgres';
  /** With replicas: seconds into the window at which one is killed with SIGKILL (default: half of it). */
  killAfterSeconds?: number;
  /** The source's queryAlignment in seconds (fan-in of analyses ticking within it); 0: exact times. */
  queryAlignmentSeconds: number;
  /** Scrape the daemon's /metrics this often while measuring, as Prometheus would (0: only at the window's edges). */
  scrapeEverySeconds: number;
  /** Seconds of load on the verdict route and on a bare fastify route after the window (0: skip). */
  verdictLoadSeconds: number;
  /** Created back to back: load the routes inside a burst of ticks (default) or after it, before the next. */
  verdictLoadDuring: 'burst' | 'quiet';
  /** Connections of that load. */
  connections: number;
  /** Skip stopping with SIGTERM and restarting the daemon to /readyz at the end. */
  skipRestart: boolean;
  /** The canaryd binary to measure (another checkout's bin/canaryd.js, for before/after); default this one's. */
  canaryd: string | null;
  /** The daemon writes a V8 CPU profile into this directory when it exits; null: none. */
  cpuProfileDir: string | null;
  /** The config's server.engineThread: the daemon with the HTTP server (main) or in a worker thread. */
  engineThread: 'main' | 'worker';
  /** Options of the daemon's node process (`--node-option`, repeatable), e.g. --max-semi-space-size=64. */
  daemonNodeOptions: string[];
}

export const USAGE = `usage: npm run bench:daemon -- [options]   (= node dist-bench/bench/daemon-load.js [options])

  --analyses N          analyses to create (200)
  --duration SECONDS    measured window after the warm-up (60)
  --quick               50 analyses for 20 s unless given
  --services N          demo services the analyses are spread over (20)
  --interval SECONDS    the bench template's tick interval (5)
  --rps N               simulated requests per second per service (200)
  --stagger             spread the creations over one interval (default: back to back)
  --query-alignment S   the source's queryAlignment: ticks within S seconds share requests (1; 0: exact times)
  --scrape-every S      GET /metrics every S seconds while measuring, like Prometheus (15; 0: never)
  --verdict-load S      seconds of autocannon load on the verdict route and on a bare fastify route (10; 0: skip)
  --verdict-load-during burst|quiet  inside a burst of ticks (default) or after it, before the next
  --connections N       connections of that load (16)
  --skip-restart        do not measure SIGTERM → exit and restart → /readyz at the end
  --canaryd BIN         the canaryd binary to measure, e.g. another checkout's bin/canaryd.js (this one's)
  --cpu-prof DIR        the daemon writes a V8 CPU profile into DIR when it exits (node --cpu-prof)
  --node-option OPT     an option of the daemon's node process, e.g. --max-semi-space-size=64 (repeatable)
  --engine-thread T     server.engineThread of the daemon's config: main or worker (main)
  --json FILE           where the results go (bench-results/daemon-load.json)
  --timeout SECONDS     the whole run, set-up and tear-down included (default: duration + 4 intervals + 240)
  --log-level LEVEL     the daemon's log level (info)
  --store sqlite|postgres  the store (sqlite); postgres runs the replicas benchmark (bench/daemon-replicas.ts)
  --replicas N          canaryd serve processes on one PostgreSQL (1; more than one needs --store postgres)
  --kill-after SECONDS  with replicas: SIGKILL one this far into the window (half of it)
  --help                this text`;

/** A command line the bench cannot run: the message and the usage go to stderr, exit code 2. */
export class UsageError extends Error {}

function integer(flag: string, text: string, minimum: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(value) || value < minimum) {
    throw new UsageError(`${flag}: expected ${minimum === 0 ? 'a whole number ≥ 0' : 'a positive integer'}, got "${text}"`);
  }
  return value;
}

function positiveInteger(flag: string, text: string): number {
  return integer(flag, text, 1);
}

/** null: --help was asked for. */
export function parseLoadOptions(argv: readonly string[]): LoadOptions | null {
  if (argv.includes('--help') || argv.includes('-h')) return null;
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
    queryAlignmentSeconds: 1,
    scrapeEverySeconds: 15,
    verdictLoadSeconds: 10,
    verdictLoadDuring: 'burst',
    connections: 16,
    skipRestart: false,
    canaryd: null,
    cpuProfileDir: null,
    engineThread: 'main',
    daemonNodeOptions: [],
  };
  let quick = false;
  const explicit = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
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
      if (store !== 'sqlite' && store !== 'postgres') throw new UsageError(`--store: expected sqlite or postgres, got "${store}"`);
      options.store = store;
    } else if (flag === '--query-alignment') options.queryAlignmentSeconds = integer(flag, next(), 0);
    else if (flag === '--scrape-every') options.scrapeEverySeconds = integer(flag, next(), 0);
    else if (flag === '--verdict-load') options.verdictLoadSeconds = integer(flag, next(), 0);
    else if (flag === '--verdict-load-during') {
      const when = next();
      if (when !== 'burst' && when !== 'quiet') throw new UsageError(`--verdict-load-during: expected burst or quiet, got "${when}"`);
      options.verdictLoadDuring = when;
    } else if (flag === '--connections') options.connections = positiveInteger(flag, next());
    else if (flag === '--skip-restart') options.skipRestart = true;
    else if (flag === '--canaryd') options.canaryd = next();
    else if (flag === '--cpu-prof') options.cpuProfileDir = next();
    else if (flag === '--node-option') {
      const option = next();
      if (!option.startsWith('--')) throw new UsageError(`--node-option: expected a node option such as --max-semi-space-size=64, got "${option}"`);
      options.daemonNodeOptions.push(option);
    } else if (flag === '--engine-thread') {
      const thread = next();
      if (thread !== 'main' && thread !== 'worker') throw new UsageError(`--engine-thread: expected main or worker, got "${thread}"`);
      options.engineThread = thread;
    } else throw new UsageError(`unknown argument ${flag}`);
  }
  if (options.replicas > 1 && options.store !== 'postgres')
    throw new UsageError(`--replicas ${options.replicas}: several replicas need --store postgres (one daemon per SQLite file)`);
  if (quick) {
    if (!explicit.has('--analyses')) options.analyses = 50;
    if (!explicit.has('--duration')) options.durationSeconds = 20;
  }
  // Set-up (Prometheus, first scrapes, creation), the HTTP probes and tear-down take well under four minutes.
  if (options.timeoutSeconds === 0) options.timeoutSeconds = options.durationSeconds + 4 * options.intervalSeconds + 240 + 3 * options.verdictLoadSeconds;
  return options;
}
