import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadTemplatePaths } from '../../../src/config/template-files.js';
import { formatProblem, type Problem } from '../../../src/template/problems.js';
import { MINIMAL_TEMPLATE } from '../template/template-text.js';

const CONTRACT_EXAMPLE = readFileSync(fileURLToPath(new URL('../template/fixtures/http-service.yaml', import.meta.url)), 'utf8');

function named(name: string): string {
  return MINIMAL_TEMPLATE.replace('name: minimal', `name: ${name}`);
}

describe('loadTemplatePaths', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'canaryd-templates-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  function write(relative: string, text: string): string {
    const path = join(folder, relative);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  it('loads .yaml and .yml files from folders recursively, skipping other and hidden files', async () => {
    write('a.yaml', named('alpha'));
    write('nested/deeper/b.yml', named('beta'));
    write('nested/http.yaml', CONTRACT_EXAMPLE);
    write('README.md', '# not a template');
    write('.hidden/c.yaml', 'not: [valid');
    const single = write('elsewhere/extra.tmpl', named('gamma'));
    const loaded = await loadTemplatePaths([join(folder, 'a.yaml'), join(folder, 'nested'), single]);
    expect(loaded.problems).toEqual([]);
    expect(loaded.templates.map(({ file, template }) => [file.slice(folder.length + 1), template.name])).toEqual([
      ['a.yaml', 'alpha'],
      ['nested/deeper/b.yml', 'beta'],
      ['nested/http.yaml', 'http-service'],
      ['elsewhere/extra.tmpl', 'gamma'],
    ]);
  });

  it('reads a file named twice (directly and through its folder) once', async () => {
    const file = write('a.yaml', named('alpha'));
    const loaded = await loadTemplatePaths([folder, file]);
    expect(loaded.problems).toEqual([]);
    expect(loaded.templates).toHaveLength(1);
  });

  it('a duplicate metadata.name across files is a problem at the second name', async () => {
    const first = write('1-first.yaml', named('same'));
    const second = write('2-second.yaml', named('same'));
    const loaded = await loadTemplatePaths([folder]);
    expect(loaded.problems.map(formatProblem)).toEqual([`${second}:4:9: metadata.name: duplicate template name "same" (also in ${first})`]);
    expect(loaded.templates.map(({ file }) => file)).toEqual([first]);
  });

  it('reports invalid templates with their positions and keeps the valid ones', async () => {
    write('good.yaml', named('good'));
    const bad = write('bad.yaml', named('bad').replace('interval: 1m', 'interval: often'));
    const loaded = await loadTemplatePaths([folder]);
    expect(loaded.problems.map(formatProblem)).toEqual([`${bad}:8:13: spec.interval: invalid duration "often": expected e.g. 30s, 5m, 1h30m`]);
    expect(loaded.templates.map(({ template }) => template.name)).toEqual(['good']);
  });

  it('a path that does not exist is a problem about that path', async () => {
    const missing = join(folder, 'missing');
    const loaded = await loadTemplatePaths([missing]);
    expect(loaded.problems).toEqual([{ file: missing, line: 0, column: 0, message: 'cannot read template path (ENOENT)' }]);
    expect(formatProblem(loaded.problems[0] as Problem)).toBe(`${missing}: cannot read template path (ENOENT)`);
  });

  it('passes the judge validator through', async () => {
    write('j.yaml', named('judged').replace('    - name: errors\n', '    - name: errors\n      judge: { type: magic }\n'));
    const loaded = await loadTemplatePaths([folder], {
      judgeValidator: (judge, _names, path) => [{ path: [...path, 'type'], message: `unknown judge type "${String(judge.type)}"` }],
    });
    expect(loaded.problems.map((problem) => problem.message)).toEqual(['spec.metrics[0].judge.type: unknown judge type "magic"']);
  });
});
