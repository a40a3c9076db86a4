// Makes sure the external programs the tests and the demo run are installed: prometheus and
// promtool (Debian package "prometheus"), Rscript (Debian package "r-base-core"), initdb and
// postgres (Debian package "postgresql", which keeps them in /usr/lib/postgresql/<major>/bin, off
// PATH; the package may create and start a cluster on 5432 where a service manager runs — the tests
// never use it: they initdb their own, as an unprivileged user, on a free port).
// Quiet when everything is there. As root on Debian/Ubuntu it installs what is missing with apt-get;
// otherwise it fails with a message saying what to install. No dependencies: plain Node ESM.
//
// Note: Debian's prometheus package may try to start a service on :9090 when installed (nothing
// starts in most containers). canaryd's tests never use that one: each starts its own Prometheus
// on a free port.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** @typedef {{ binary: string, aptPackage: string, purpose: string, locate?: (binary: string) => string | null }} Requirement */

export const PROMETHEUS_REQUIREMENTS = [
  { binary: 'prometheus', aptPackage: 'prometheus', purpose: 'integration tests and the demo' },
  { binary: 'promtool', aptPackage: 'prometheus', purpose: 'backfilling test history' },
];

/**
 * A PostgreSQL program: on PATH, or in Debian's /usr/lib/postgresql/<major>/bin (newest major first).
 * @param {string} binary
 * @returns {string | null}
 */
export function findPostgresBinary(binary) {
  const onPath = findOnPath(binary);
  if (onPath !== null) return onPath;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const candidate = join(root, major, 'bin', binary);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export const POSTGRES_REQUIREMENTS = [
  { binary: 'initdb', aptPackage: 'postgresql', purpose: 'the PostgreSQL store tests and the replicas benchmark', locate: findPostgresBinary },
  { binary: 'postgres', aptPackage: 'postgresql', purpose: 'the PostgreSQL store tests and the replicas benchmark', locate: findPostgresBinary },
];

export const RSCRIPT_REQUIREMENTS = [{ binary: 'Rscript', aptPackage: 'r-base-core', purpose: 'cross-checking the statistics tests' }];

/** Debian's chromium: the HTML canary report is opened in it, headless, by the test suite. */
export const CHROMIUM_REQUIREMENTS = [{ binary: 'chromium', aptPackage: 'chromium', purpose: 'opening the HTML canary report in a headless browser' }];

/** chromium (the report's browser test). */
export function ensureChromium() {
  return ensureBinaries(CHROMIUM_REQUIREMENTS);
}

export class MissingBinariesError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'MissingBinariesError';
    this.code = 'MISSING_BINARIES';
  }
}

/**
 * The path of an executable on PATH, or null.
 * @param {string} binary
 * @returns {string | null}
 */
export function findOnPath(binary) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * @param {string} command
 * @param {string[]} args
 */
function run(command, args) {
  // apt's progress goes to stderr so that stdout stays clean for whoever called us.
  const result = spawnSync(command, args, {
    stdio: ['ignore', 2, 2],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw new MissingBinariesError(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new MissingBinariesError(`\`${command} ${args.join(' ')}\` failed with exit code ${result.status ?? result.signal}`);
  }
}

/** @param {Requirement[]} missing */
function describeMissing(missing) {
  return missing.map((r) => `${r.binary} (for ${r.purpose})`).join(', ');
}

/**
 * Installs the Debian packages of the missing binaries when possible; throws MissingBinariesError otherwise.
 * @param {Requirement[]} requirements
 * @returns {Promise<void>}
 */
/** @param {Requirement} requirement */
function isMissing(requirement) {
  return (requirement.locate ?? findOnPath)(requirement.binary) === null;
}

export async function ensureBinaries(requirements) {
  const missing = requirements.filter(isMissing);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((r) => r.aptPackage))];
  const installCommand = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;

  if (process.platform !== 'linux' || findOnPath('apt-get') === null) {
    throw new MissingBinariesError(
      `Missing on PATH: ${describeMissing(missing)}. Install them with your package manager ` +
        `(Debian/Ubuntu packages: ${packages.join(', ')}; Prometheus also from https://prometheus.io/download/, ` +
        'R from https://cran.r-project.org/), then run this again.',
    );
  }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new MissingBinariesError(`Missing on PATH: ${describeMissing(missing)}. Install them as root: sudo apt-get update && sudo ${installCommand}`);
  }

  console.error(`Installing ${packages.join(', ')} for ${describeMissing(missing)} ...`);
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', ...packages]);

  const stillMissing = requirements.filter(isMissing);
  if (stillMissing.length > 0) {
    throw new MissingBinariesError(`Installed ${packages.join(', ')} but still missing on PATH: ${describeMissing(stillMissing)}`);
  }
}

/** prometheus and promtool. */
export function ensurePrometheus() {
  return ensureBinaries(PROMETHEUS_REQUIREMENTS);
}

/** initdb and postgres (the replicas benchmark). */
export function ensurePostgres() {
  return ensureBinaries(POSTGRES_REQUIREMENTS);
}

/** Everything the test suite runs: prometheus, promtool, Rscript, PostgreSQL (one apt-get call if needed). */
export function ensureTestDeps() {
  return ensureBinaries([...PROMETHEUS_REQUIREMENTS, ...RSCRIPT_REQUIREMENTS, ...POSTGRES_REQUIREMENTS]);
}

/**
 * Runs `ensure` as a command: message on stderr and exit code 1 on failure.
 * @param {() => Promise<void>} ensure
 */
export async function runAsCommand(ensure) {
  try {
    await ensure();
  } catch (error) {
    console.error(error instanceof MissingBinariesError ? error.message : error);
    process.exitCode = 1;
  }
}
