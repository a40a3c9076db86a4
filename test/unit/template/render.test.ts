import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/analysis/errors.js';
import type { CompiledTemplate } from '../../../src/analysis/types.js';
import { parseTemplate } from '../../../src/template/load.js';
import { assertArgsRender, renderQuery, resolveArgs, type RenderContext } from '../../../src/template/render.js';
import { MINIMAL_TEMPLATE } from './template-text.js';

const BASE: RenderContext = { args: {}, variant: 'canary', windowMs: 300_000, intervalMs: 60_000 };

function render(query: string, args: Record<string, string>, overrides: Partial<RenderContext> = {}): string {
  return renderQuery(query, { ...BASE, args, ...overrides });
}

/** Decodes a PromQL string literal the way Prometheus does (Go-style escapes; raw backtick strings). */
function unquote(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'" };
  let out = '';
  for (let index = 0; index < body.length; index += 1) {
    const char = body[index] as string;
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = body[index + 1] as string;
    if (next === 'x') {
      out += String.fromCharCode(Number.parseInt(body.slice(index + 2, index + 4), 16));
      index += 3;
    } else {
      const decoded = simple[next];
      if (decoded === undefined) throw new Error(`unknown escape \\${next}`);
      out += decoded;
      index += 1;
    }
  }
  return out;
}

interface ParsedQuery {
  errors: number;
  strings: string[];
  nodeNames: string[];
}

function parse(query: string): ParsedQuery {
  const result: ParsedQuery = { errors: 0, strings: [], nodeNames: [] };
  parser.parse(query).iterate({
    enter(node) {
      result.nodeNames.push(node.name);
      if (node.type.isError) result.errors += 1;
      if (node.name === 'StringLiteral') result.strings.push(unquote(query.slice(node.from, node.to)));
    },
  });
  return result;
}

const INJECTIONS = [
  'a"} or vector(1) #',
  "a'} or vector(1) #",
  'back\\slash',
  'ends with a backslash\\',
  '\\"} or vector(1) #',
  'two\nlines',
  'carriage\rreturn and\ttab',
  'nul\x00byte',
  '{{ args.other }}',
  '`backtick`',
  '} or vector(1)',
  '',
];

describe('renderQuery', () => {
  it('renders args, variant, window and interval', () => {
    const query = 'sum(rate(http_requests_total{service="{{ args.service }}",track="{{variant}}"}[{{ window }}])) / {{ interval }}';
    expect(render(query, { service: 'checkout' }, { windowMs: 5_400_000, intervalMs: 90_000 })).toBe(
      'sum(rate(http_requests_total{service="checkout",track="canary"}[1h30m])) / 1m30s',
    );
  });

  describe.each([
    ['double-quoted', 'x{service="{{ args.v }}"}', (value: string) => value],
    ['single-quoted', "x{service='{{ args.v }}'}", (value: string) => value],
    ['a regex matcher', 'x{service=~"pre-{{ args.v }}.*"}', (value: string) => `pre-${value}.*`],
    ['a string after an escaped quote', 'x{service="say \\"{{ args.v }}\\" # not a comment"}', (value: string) => `say "${value}" # not a comment`],
  ])('inside %s', (_context, template, decoded) => {
    it.each(INJECTIONS)('keeps %j inside its string', (value) => {
      const parsed = parse(render(template, { v: value }));
      expect(parsed.errors).toBe(0);
      // One string whose decoded text is exactly the template's text around the value: nothing leaked out.
      expect(parsed.strings).toEqual([decoded(value)]);
      expect(parsed.nodeNames).not.toContain('Or');
      expect(parsed.nodeNames).not.toContain('FunctionCall');
    });
  });

  it('escapes a value placed in a double-quoted string (exact text)', () => {
    expect(render('x{a="{{ args.v }}"}', { v: 'a"b\\c\nd' })).toBe('x{a="a\\"b\\\\c\\nd"}');
    expect(render("x{a='{{ args.v }}'}", { v: 'a\'b"c' })).toBe("x{a='a\\'b\"c'}");
  });

  it('inside a backtick string: passes a value through, refuses one with a backtick', () => {
    expect(render('x{a=`{{ args.v }}`}', { v: 'a"b\\c' })).toBe('x{a=`a"b\\c`}');
    expect(parse(render('x{a=`{{ args.v }}`}', { v: 'a\'"\\' })).strings).toEqual(['a\'"\\']);
    const attempt = () => render('x{a=`{{ args.v }}`}', { v: 'a`} or vector(1) #' });
    expect(attempt).toThrow(DomainError);
    expect(attempt).toThrow(/argument "v" contains a backtick/);
    try {
      attempt();
    } catch (error) {
      expect((error as DomainError).code).toBe('unsafe-argument');
      expect((error as DomainError).field).toBe('args.v');
    }
  });

  it('outside strings: accepts numbers, durations and names, refuses anything else naming the arg', () => {
    expect(render('topk({{ args.k }}, x)', { k: '5' })).toBe('topk(5, x)');
    expect(render('histogram_quantile({{ args.q }}, x)', { q: '0.95' })).toBe('histogram_quantile(0.95, x)');
    expect(render('x > {{ args.t }}', { t: '-1.5e3' })).toBe('x > -1.5e3');
    expect(render('rate(x[{{ args.range }}])', { range: '1h30m' })).toBe('rate(x[1h30m])');
    expect(render('{{ args.metric }}{a="b"}', { metric: 'http_requests_total:rate5m' })).toBe('http_requests_total:rate5m{a="b"}');
    for (const value of ['5) or vector(1', 'x{a="b"}', 'a b', '', '1;2', 'x\n']) {
      const attempt = () => render('topk({{ args.k }}, x)', { k: value });
      expect(attempt).toThrow(/argument "k" = .* is used outside a string/);
      try {
        attempt();
      } catch (error) {
        expect((error as DomainError).code).toBe('unsafe-argument');
      }
    }
  });

  it('a value in a # comment cannot end the comment with a newline', () => {
    const query = 'x # for {{ args.v }}\n';
    expect(render(query, { v: 'checkout' })).toBe('x # for checkout\n');
    expect(() => render(query, { v: 'a\nor vector(1)' })).toThrow(DomainError);
  });

  it('a # inside a string does not start a comment', () => {
    expect(parse(render('x{a="#{{ args.v }}"}', { v: '"} or vector(1)' })).strings).toEqual(['#"} or vector(1)']);
  });

  it('escapes the variant like an argument', () => {
    const rendered = render('x{track="{{ variant }}"}', {}, { variant: 'can"} or vector(1) #ary' });
    expect(parse(rendered).strings).toEqual(['can"} or vector(1) #ary']);
    expect(() => render('x{track={{ variant }}}', {}, { variant: 'a"b' })).toThrow(/the variant/);
  });

  it('refuses a missing argument, an unknown placeholder and a placeholder after a backslash', () => {
    expect(() => render('x{a="{{ args.nope }}"}', {})).toThrow(expect.objectContaining({ code: 'missing-argument', field: 'args.nope' }));
    expect(() => render('x{a="{{ nope }}"}', {})).toThrow(expect.objectContaining({ code: 'invalid-template' }));
    expect(() => render('x{a="\\{{ args.v }}"}', { v: '" or vector(1)' })).toThrow(expect.objectContaining({ code: 'invalid-template' }));
    expect(() => render('x{a="{{ args.v"}', { v: 'a' })).toThrow(expect.objectContaining({ code: 'invalid-template' }));
  });

  it('documents that regex metacharacters in a value are not escaped', () => {
    expect(parse(render('x{a=~"{{ args.v }}"}', { v: '.*' })).strings).toEqual(['.*']);
  });
});

describe('resolveArgs', () => {
  function template(): CompiledTemplate {
    const text = MINIMAL_TEMPLATE.replace(
      '    - name: service\n',
      '    - name: service\n    - name: namespace\n      default: prod\n    - name: quantile\n      default: 0.95\n',
    );
    const result = parseTemplate(text, 't.yaml');
    if (!result.ok) throw new Error('template should be valid');
    return result.template;
  }

  it('applies defaults and keeps given values', () => {
    expect(resolveArgs(template(), { service: 'checkout' })).toEqual({ ok: true, args: { service: 'checkout', namespace: 'prod', quantile: '0.95' } });
    expect(resolveArgs(template(), { service: 'a', namespace: 'dev', quantile: '0.5' })).toEqual({
      ok: true,
      args: { service: 'a', namespace: 'dev', quantile: '0.5' },
    });
  });

  it('names every missing required and unknown argument', () => {
    expect(resolveArgs(template(), { servce: 'x', zone: 'eu' })).toEqual({
      ok: false,
      problems: [
        'missing required argument "service"',
        'unknown argument "servce" (template minimal declares: service, namespace, quantile)',
        'unknown argument "zone" (template minimal declares: service, namespace, quantile)',
      ],
    });
  });

  it('an empty string is a given value, not a missing one', () => {
    expect(resolveArgs(template(), { service: '' })).toMatchObject({ ok: true, args: { service: '' } });
  });
});

describe('assertArgsRender', () => {
  const compiled = (query: string): CompiledTemplate => {
    const result = parseTemplate(MINIMAL_TEMPLATE.replace(/query: .*/, `query: ${query}`), 't.yaml');
    if (!result.ok) throw new Error(result.problems.map((problem) => problem.message).join('\n'));
    return result.template;
  };

  it('accepts arguments that every query can hold', () => {
    expect(() => assertArgsRender(compiled('topk({{ args.service }}, up{track="{{ variant }}"})'), { service: '5' })).not.toThrow();
  });

  it('refuses, naming the argument, a value that cannot stand outside a string', () => {
    let thrown: unknown;
    try {
      assertArgsRender(compiled('topk({{ args.service }}, up{track="{{ variant }}"})'), { service: '1, up) or vector(1' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'unsafe-argument', field: 'args.service' });
  });
});
