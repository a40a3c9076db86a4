// Looking at other processes from outside: memory and CPU time from /proc, the daemon's and
// Prometheus' /metrics, and how long the daemon takes to answer /healthz (its event loop's
// responsiveness while it ticks).

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';

function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

const CLOCK_TICKS = clockTicksPerSecond();

export interface ProcessMemory {
  rssKb: number;
  /** Peak RSS since the process started. */
  peakRssKb: number;
}

export function readMemory(pid: number): ProcessMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKb: field('VmRSS'), peakRssKb: field('VmHWM') };
  } catch {
    return null;
  }
}

/** User + system CPU seconds the process has used (utime + stime of /proc/<pid>/stat). */
export function readCpuSeconds(pid: number): number | null {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** The same for one thread of it (tid = pid: its main thread). */
export function readThreadCpuSeconds(pid: number, tid: number): number | null {
  return statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);
}

function statCpuSeconds(path: string): number | null {
  try {
    const stat = readFileSync(path, 'utf8');
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** This process' children whose command name is `command` (e.g. the Prometheus we started). */
export function childPidsNamed(command: string): number[] {
  const pids: number[] = [];
  try {
    for (const task of readdirSync('/proc/self/task')) {
      const children = readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim();
      for (const pid of children === '' ? [] : children.split(' ').map(Number)) {
        try {
          if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === command) pids.push(pid);
        } catch {
          // exited
        }
      }
    }
  } catch {
    // no /proc/<pid>/task/*/children on this kernel
  }
  return pids;
}

/** Bytes of a SQLite store: the database, its WAL and shared-memory files. */
export function storeBytes(path: string): number {
  let total = 0;
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      total += statSync(file).size;
    } catch {
      // not there (yet)
    }
  }
  return total;
}

export async function fetchText(url: string, timeoutMs = 10_000): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.text();
}

/** Milliseconds until /healthz answered, or null when it failed or took over 10s. */
export async function healthzLatencyMs(daemonUrl: string): Promise<number | null> {
  const started = performance.now();
  try {
    await fetchText(`${daemonUrl}/healthz`);
    return performance.now() - started;
  } catch {
    return null;
  }
}

export interface ResourceSample {
  /** Seconds since the bench started measuring. */
  atSeconds: number;
  phase: 'idle' | 'creating' | 'warm-up' | 'measuring' | 'draining';
  daemonRssKb: number | null;
  daemonCpuSeconds: number | null;
  prometheusRssKb: number | null;
  healthzMs: number | null;
}

/** Samples every `everyMs` until stopped; each sample waits for its /healthz answer. */
export class ResourceSampler {
  readonly samples: ResourceSample[] = [];
  phase: ResourceSample['phase'] = 'idle';
  private timer: NodeJS.Timeout | null = null;
  private readonly origin = performance.now();

  constructor(
    private readonly daemonPid: number,
    private readonly daemonUrl: string,
    private readonly prometheusPid: number | null,
    private readonly everyMs = 1_000,
  ) {}

  start(): void {
    const tick = async (): Promise<void> => {
      const atSeconds = (performance.now() - this.origin) / 1000;
      const phase = this.phase;
      const healthzMs = await healthzLatencyMs(this.daemonUrl);
      this.samples.push({
        atSeconds,
        phase,
        daemonRssKb: readMemory(this.daemonPid)?.rssKb ?? null,
        daemonCpuSeconds: readCpuSeconds(this.daemonPid),
        prometheusRssKb: this.prometheusPid === null ? null : (readMemory(this.prometheusPid)?.rssKb ?? null),
        healthzMs,
      });
      if (this.timer !== null) this.timer = setTimeout(() => void tick(), this.everyMs);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
