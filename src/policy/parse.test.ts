import { describe, expect, it } from 'vitest';
import { formatPolicyError, parsePolicy, type PolicyError } from './parse.js';

const GOOD = `# yaml-language-server: $schema=./policy.schema.json
id: test
version: 1
tiers:
  low:    {require: 1, from: [otp, totp]}
  medium: {require: 2, from: [otp, totp]}
  high:   {handoff: true}
`;

function errors(text: string, path = 'policies/x.yaml'): PolicyError[] {
  const r = parsePolicy(text, path);
  if (r.ok) throw new Error('expected the file to be refused');
  return r.errors;
}

describe('parsePolicy', () => {
  it('accepts a minimal valid file', () => {
    const r = parsePolicy(GOOD, 'policies/x.yaml');
    expect(r.ok).toBe(true);
  });

  it('reports a YAML syntax error at its line', () => {
    const errs = errors('id: test\nversion: 1\ntiers:\n  low: {require: 1, from: [otp}\n');
    expect(errs.length).toBeGreaterThan(0);
    for (const e of errs) {
      expect(e).toMatchObject({ path: 'policies/x.yaml', line: 4, field: '' });
      expect(e.message).not.toContain('\n');
    }
  });

  it('reports a duplicate key as a YAML error', () => {
    const [e] = errors(GOOD.replace('version: 1\n', 'version: 1\nversion: 2\n'));
    expect(e).toMatchObject({ line: 4, column: 1 });
    expect(e!.message).toMatch(/unique/);
  });

  it('reports a wrong type at the value, with the dotted field', () => {
    const [e, ...rest] = errors(GOOD.replace('medium: {require: 2', 'medium: {require: two'));
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ line: 6, column: 21, field: 'tiers.medium.require' });
    expect(e!.message).toMatch(/expected number/);
  });

  it('reports an out-of-range value', () => {
    const [e] = errors(GOOD.replace('medium: {require: 2', 'medium: {require: 0'));
    expect(formatPolicyError(e!)).toBe('policies/x.yaml:6:21 tiers.medium.require: Too small: expected number to be >=1');
  });

  it('reports an unknown key at the key, with a suggestion', () => {
    const [e] = errors(`${GOOD}lockout: {max_failure: 3}\n`);
    expect(e).toMatchObject({ line: 8, column: 11, field: 'lockout.max_failure' });
    expect(e!.message).toBe('unknown field "max_failure" (did you mean "max_failures"?)');
  });

  it('reports a typo inside a tier (a union) against the form the author meant', () => {
    const errs = errors(GOOD.replace('high:   {handoff: true}', 'high:   {hanoff: true}'));
    expect(errs.map((e) => [e.line, e.field])).toContainEqual([7, 'tiers.high.hanoff']);
    expect(errs.find((e) => e.field === 'tiers.high.hanoff')!.message).toMatch(/did you mean "handoff"/);
  });

  it('reports an unknown factor name with a suggestion', () => {
    const [e] = errors(GOOD.replace('from: [otp, totp]}\n  medium', 'from: [otp, topt]}\n  medium'));
    expect(e).toMatchObject({ line: 5, column: 36, field: 'tiers.low.from[1]' });
    expect(e!.message).toMatch(/did you mean "totp"/);
  });

  it('reports a missing required field at its parent key', () => {
    const [e] = errors(GOOD.replace('  high:   {handoff: true}\n', ''));
    expect(e).toMatchObject({ line: 4, column: 1, field: 'tiers.high' });
    expect(e!.message).toMatch(/required field is missing/);
  });

  it('reports a missing id at the top of the file', () => {
    const [e] = errors(GOOD.replace('id: test\n', ''));
    expect(e).toMatchObject({ line: 2, field: 'id', message: 'required field is missing (expected string)' });
  });

  it('refuses a require tier on high risk', () => {
    const [e] = errors(GOOD.replace('high:   {handoff: true}', 'high:   {require: 3, from: [otp, totp, did]}'));
    expect(e).toMatchObject({ line: 7, field: 'tiers.high' });
    expect(e!.message).toMatch(/only hand off or block/);
  });

  it('refuses a threshold the tier can never meet', () => {
    const [e] = errors(GOOD.replace('medium: {require: 2', 'medium: {require: 3'));
    expect(e).toMatchObject({ line: 6, field: 'tiers.medium.require' });
    expect(e!.message).toMatch(/can never be met/);
  });

  it('refuses a signal listed under both high and medium', () => {
    const [e] = errors(`${GOOD}risk: {high: [watch_list], medium: [poor_audio, watch_list]}\n`);
    expect(e).toMatchObject({ line: 8, field: 'risk.medium[1]' });
  });

  it('refuses an empty file', () => {
    expect(errors('# nothing\n')).toEqual([
      { path: 'policies/x.yaml', line: 1, column: 1, field: '', message: 'the file is empty' },
    ]);
  });

  it('refuses a file that is not a mapping', () => {
    const [e] = errors('- a\n- b\n');
    expect(e).toMatchObject({ line: 1, column: 1, field: '' });
  });

  it('sorts several errors by position', () => {
    const errs = errors(GOOD.replace('version: 1', 'version: 0').replace('require: 2', 'require: x'));
    expect(errs.map((e) => e.line)).toEqual([3, 6]);
  });
});

describe('formatPolicyError', () => {
  it('prints path:line:column field: message', () => {
    expect(formatPolicyError({ path: 'policies/x.yaml', line: 12, column: 5, field: 'tiers.medium.require', message: 'Too small' })).toBe(
      'policies/x.yaml:12:5 tiers.medium.require: Too small',
    );
  });
  it('leaves out what is unknown', () => {
    expect(formatPolicyError({ path: 'policies', line: 0, column: 0, field: '', message: 'no default' })).toBe('policies no default');
  });
});

describe('parsePolicy on hostile input', () => {
  it('refuses alias bombs instead of expanding them', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    const r = parsePolicy(lines.join('\n'), 'bomb.yaml');
    expect(r.ok).toBe(false);
  });

  it('never throws on arbitrary text', () => {
    for (const text of ['{', ']]]', '!!binary x', 'id: [', '\t\t', 'id: *nope', '---\n---\n', 'a: b: c']) {
      expect(() => parsePolicy(text, 'x.yaml')).not.toThrow();
      expect(parsePolicy(text, 'x.yaml').ok).toBe(false);
    }
  });

  it('refuses an action that names no post-auth tool, with a did-you-mean, at the key', () => {
    const text = `${GOOD}actions:\n  transfer_fund: {require: 2}\n  account_summary: {require: 1}\n`;
    const tools = ['account_summary', 'transfer_funds', 'update_card_limit'];
    const r = parsePolicy(text, 'policies/x.yaml', { tools });
    if (r.ok) throw new Error('expected the file to be refused');
    expect(r.errors).toEqual([
      {
        path: 'policies/x.yaml',
        line: 9,
        column: 3,
        field: 'actions.transfer_fund',
        message: '"transfer_fund" is not a post-auth tool (did you mean "transfer_funds"?); known tools: account_summary, transfer_funds, update_card_limit',
      },
    ]);
    expect(parsePolicy(text.replace('transfer_fund:', 'transfer_funds:'), 'policies/x.yaml', { tools }).ok).toBe(true);
  });
});
