// The verdict route's HTTP layer against a bare fastify route, with nothing else running: each
// server in its own process, the same body, autocannon with the same connections, alternated
// `--rounds` times (this machine's neighbours make single runs noisy). What the daemon adds per poll
// beyond fastify itself (auth hook, params validation, per-request logger, error mapping), without
// the tick contention that bench:daemon measures. `npm run bench:http -- --help`.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load, startServerScript, type RouteLoad } from './daemon-load/http-probes.js';
import { benchPrincipalToken } from './http-verdict/tokens.js';

const VERDICT_SERVER = fileURLToPath(new URL('./http-verdict/verdict-server.js', import.meta.url));
const BARE_SERVER = fileURLToPath(new URL('./daemon-load/bare-server.js', import.meta.url));
const USAGE = `usage: npm run bench:http -- [--seconds S] [--rounds N] [--connections C] [--json FILE]
  --seconds S       seconds of load per route per round (8)
  --rounds N        rounds, each loading both routes one after the other (3)
  --connections C   autocannon connections (16)
  --principals N    bearer auth on the verdict route with N principals; the load presents the last token (0: no auth)
  --fast-path on|off  on (default): the verdict is in the cache and the fast path answers, as for the
                    daemon's polls between writes; off: every poll goes through fastify's route
  --json FILE       also write the figures as JSON
`;
// The verdict body of a running analysis of bench:daemon (357 bytes).
const BODY = JSON.stringify({
  id: 'bench',
  phase: 'running',
  step: 0,
  weight: 10,
  verdict: 'continue',
  forStep: 0,
  rule: null,
  reason: 'no rule matched: keep observing',
  evidenceHash: 'f'.repeat(64),
  at: '2026-12-03T16:03:23.446Z',
  decidedAt: null,
  decidedBy: null,
  interval: '1m',
});

/** CPU time stolen by the hypervisor, and all CPU time, in jiffies since boot (Linux; zeros elsewhere). */
function cpuJiffies(): { steal: number; total: number } {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
    return { steal: fields[7] ?? 0, total: fields.reduce((sum, value) => sum + value, 0) };
  } catch {
    return { steal: 0, total: 0 };
  }
}

/** One route's load, with the share of the machine's CPU time stolen meanwhile (a noisy neighbour). */
async function measured(url: string, connections: number, seconds: number, headers?: Record<string, string>): Promise<RouteLoad & { stealPercent: number }> {
  const before = cpuJiffies();
  const result = await load(url, connections, seconds, headers);
  const after = cpuJiffies();
  const total = after.total - before.total;
  return { ...result, stealPercent: total > 0 ? (100 * (after.steal - before.steal)) / total : 0 };
}

function main(): number | Promise<number> {
  let values: { seconds?: string; rounds?: string; connections?: string; principals?: string; 'fast-path'?: string; json?: string; help?: boolean };
  try {
    values = parseArgs({
      options: {
        seconds: { type: 'string' },
        rounds: { type: 'string' },
        connections: { type: 'string' },
        principals: { type: 'string' },
        'fast-path': { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const seconds = Number(values.seconds ?? 8);
  const rounds = Number(values.rounds ?? 3);
  const connections = Number(values.connections ?? 16);
  const principals = Number(values.principals ?? 0);
  if (!Number.isInteger(principals) || principals < 0) {
    process.stderr.write(`--principals must be a whole number ≥ 0\n${USAGE}`);
    return 2;
  }
  for (const [name, value] of [
    ['--seconds', seconds],
    ['--rounds', rounds],
    ['--connections', connections],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      process.stderr.write(`${name} must be a whole number ≥ 1\n${USAGE}`);
      return 2;
    }
  }
  const fastPath = values['fast-path'] ?? 'on';
  if (fastPath !== 'on' && fastPath !== 'off') {
    process.stderr.write(`--fast-path must be on or off\n${USAGE}`);
    return 2;
  }
  return run({ seconds, rounds, connections, principals, fastPath, json: values.json });
}

async function run(options: {
  seconds: number;
  rounds: number;
  connections: number;
  principals: number;
  fastPath: 'on' | 'off';
  json: string | undefined;
}): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'canaryd-http-bench-'));
  const bodyFile = join(dir, 'body.json');
  writeFileSync(bodyFile, BODY);
  const verdict = await startServerScript(VERDICT_SERVER, bodyFile, [String(options.principals), options.fastPath]);
  // Both routes get the header (the bare one ignores it): the same request bytes on each side.
  const headers = options.principals > 0 ? { authorization: `Bearer ${benchPrincipalToken(options.principals - 1)}` } : undefined;
  const bare = await startServerScript(BARE_SERVER, bodyFile);
  const bareUrl = `${bare.url}/verdict`;
  type Measured = Awaited<ReturnType<typeof measured>>;
  const rows: Array<{ verdict: Measured; bare: Measured; ratio: number }> = [];
  try {
    await load(verdict.url, options.connections, 1, headers);
    await load(bareUrl, options.connections, 1, headers);
    for (let round = 0; round < options.rounds; round++) {
      const verdictLoad = await measured(verdict.url, options.connections, options.seconds, headers);
      const bareLoad = await measured(bareUrl, options.connections, options.seconds, headers);
      rows.push({ verdict: verdictLoad, bare: bareLoad, ratio: verdictLoad.requestsPerSecond / bareLoad.requestsPerSecond });
    }
  } finally {
    await verdict.stop();
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const line = (label: string, route: Measured): string =>
    `${label.padEnd(16)} ${route.requestsPerSecond.toFixed(0).padStart(7)} req/s  p99 ${route.latencyMs.p99} ms  errors ${route.errors}  non-2xx ${route.non2xx}  steal ${route.stealPercent.toFixed(1)}%`;
  process.stdout.write(
    `verdict route (HTTP layer only, fast path ${options.fastPath}${options.principals > 0 ? `, bearer auth with ${options.principals} principals` : ''}) vs bare fastify, ${Buffer.byteLength(BODY)} B body, ${options.connections} connections, ${options.seconds}s each\n`,
  );
  for (const [index, row] of rows.entries()) {
    process.stdout.write(
      `round ${index + 1}\n  ${line('verdict route', row.verdict)}\n  ${line('bare fastify', row.bare)}\n  verdict ÷ bare ${row.ratio.toFixed(3)}\n`,
    );
  }
  const ratios = rows.map((row) => row.ratio).sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)] ?? 0;
  process.stdout.write(`median verdict ÷ bare over ${rows.length} rounds: ${median.toFixed(3)}\n`);
  if (options.json !== undefined) {
    mkdirSync(dirname(options.json), { recursive: true });
    writeFileSync(
      options.json,
      `${JSON.stringify({ command: process.argv.slice(2), bodyBytes: Buffer.byteLength(BODY), options, rounds: rows, medianRatio: median }, null, 2)}\n`,
    );
    process.stdout.write(`wrote ${options.json}\n`);
  }
  return rows.every((row) => row.verdict.non2xx === 0 && row.verdict.errors === 0) ? 0 : 1;
}

process.exitCode = await main();
