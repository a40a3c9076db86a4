// The package as a user gets it: `npm pack` of the built tree, installed from the tarball into an
// empty project, then the installed binary and both entry points (`canaryd`, `canaryd/stats`) run.
// npm test builds dist/ first; packing here uses that build (--ignore-scripts: no second build
// while other test files run dist/). Installing skips dependencies' install scripts: better-sqlite3
// would compile SQLite for ~90 s of CPU, and nothing run here opens a database.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mannWhitney } from '../../src/stats/index.js';
import { REPO_ROOT } from '../helpers/cli.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const CANARY = [0.11, 0.13, 0.12, 0.15, 0.14, 0.16, 0.13];
const BASELINE = [0.1, 0.11, 0.12, 0.1, 0.11, 0.13, 0.12, 0.1];

interface PackedFile {
  path: string;
}

let dir: string;
let project: string;
let packedFiles: string[];
let version: string;

async function inProject(file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(file, args, { cwd: project, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
}

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist/index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first (npm test does)');
  dir = await mkdtemp(join(tmpdir(), 'canaryd-pack-'));
  const packed = await run(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; version: string; files: PackedFile[] }>;
  if (info === undefined) throw new Error(`npm pack printed no package: ${packed.stdout}`);
  packedFiles = info.files.map((file) => file.path);
  version = info.version;
  project = join(dir, 'project');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'uses-canaryd', version: '1.0.0', private: true, type: 'module' }));
  await run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', join(dir, info.filename)], {
    cwd: project,
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}, 300_000);

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships dist/, the binary, configs, templates and dashboards', () => {
    for (const path of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/main.js',
      'dist/stats/index.js',
      'bin/canaryd.js',
      'config/default.yaml',
      'analysis-templates/http-service.yaml',
      'dashboards/canaryd-overview.json',
      'scripts/lib/ensure-binaries.mjs',
    ]) {
      expect(packedFiles).toContain(path);
    }
  });

  it('ships nothing of the tests, the benchmarks or the TypeScript sources', () => {
    const unwanted = packedFiles.filter(
      (path) =>
        /^(test|src)\//.test(path) || path.startsWith('dist/bench/') || /^(dist-)?bench\//.test(path) || /\.test\./.test(path) || path === 'vitest.config.ts',
    );
    expect(unwanted).toEqual([]);
  });
});

describe('the installed package', () => {
  it("runs `canaryd --version` and prints package.json's version", async () => {
    const { stdout } = await inProject(join(project, 'node_modules/.bin/canaryd'), ['--version']);
    expect(stdout.trim()).toBe(version);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('validates its shipped templates with the installed binary', async () => {
    const templates = join(project, 'node_modules/canaryd/analysis-templates');
    const { stdout } = await inProject(join(project, 'node_modules/.bin/canaryd'), ['validate', templates, '--output', 'json']);
    const result = JSON.parse(stdout) as { valid: boolean; templates: Array<{ name: string }> };
    expect(result.valid).toBe(true);
    expect(result.templates.map((template) => template.name)).toContain('http-service');
  });

  it("imports { mannWhitney } from 'canaryd/stats' and gets the same answer as the sources", async () => {
    const script = `import('canaryd/stats').then((m) => console.log(JSON.stringify(m.mannWhitney(${JSON.stringify(CANARY)}, ${JSON.stringify(BASELINE)}))))`;
    const { stdout } = await inProject(process.execPath, ['-e', script]);
    const installed = JSON.parse(stdout) as { u: number; pValue: number; confidenceInterval: [number, number] };
    const expected = mannWhitney(CANARY, BASELINE);
    expect(installed).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(installed.pValue).toBeGreaterThan(0);
    expect(installed.pValue).toBeLessThan(0.05);
  });

  it("loads and validates a template through the root entry 'canaryd'", async () => {
    const script = [
      "import('canaryd').then(async (m) => {",
      "  const { readFile } = await import('node:fs/promises');",
      "  const file = 'node_modules/canaryd/analysis-templates/http-service.yaml';",
      '  const parsed = m.loadTemplateText(await readFile(file, "utf8"), file);',
      '  const broken = m.loadTemplateText("apiVersion: canaryd.dev/v1alpha1\\nkind: AnalysisTemplate\\n", "broken.yaml");',
      '  console.log(JSON.stringify({ ok: parsed.ok, name: parsed.ok ? parsed.template.name : null, brokenOk: broken.ok, runTick: typeof m.runTick }));',
      '});',
    ].join('\n');
    const { stdout } = await inProject(process.execPath, ['-e', script]);
    expect(JSON.parse(stdout)).toEqual({ ok: true, name: 'http-service', brokenOk: false, runTick: 'function' });
  });
});
