// `npm run policy -- <command>`: check, test and document policy files (Node only).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PolicySet,
  explainDecision,
  formatPolicyError,
  policyJsonSchemaText,
  runScenarioFile,
  type PolicyError,
} from '../policy/index.js';
import { loadPolicyDir, loadPolicyFiles, policyFilesIn } from '../runtime/node/policy-dir.js';
import { runIfMain } from './run-main.js';

const USAGE = `usage: npm run policy -- <command>

  check [files…]       validate policy files (default: every *.yaml in the policy folder,
                       which must also contain a "default" policy and no repeated id)
  test [files…]        run scenario fixtures (default: <policy folder>/tests/*.yaml)
  schema               rewrite <policy folder>/policy.schema.json from the zod schema
  explain <call_id>    show how a recorded call was decided

The policy folder is $CALLGATE_POLICY_DIR, else ./policies.`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  /** Where the explain command lives; tests point it elsewhere. */
  explainModule?: URL;
}

const nodeIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env };

export async function main(argv: string[], io: Io = nodeIo): Promise<number> {
  const [command, ...args] = argv;
  const dir = io.env.CALLGATE_POLICY_DIR || './policies';
  switch (command) {
    case 'check':
      return check(dir, args, io);
    case 'test':
      return test(dir, args, io);
    case 'schema':
      return schema(dir, io);
    case 'explain':
      return explain(args, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.err(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

function check(dir: string, files: string[], io: Io): number {
  // Explicit files are checked on their own (and against each other); the whole folder also
  // needs its `default` policy.
  const { policies, errors } = files.length > 0 ? loadPolicyFiles(files) : loadPolicyDir(dir);
  for (const e of errors) io.err(formatPolicyError(e));
  for (const p of policies) io.out(`✓ ${p.id} v${p.version}`);
  io.out(errors.length === 0 ? `${policies.length} policies OK` : `${errors.length} error(s)`);
  return errors.length === 0 ? 0 : 1;
}

function test(dir: string, files: string[], io: Io): number {
  const loaded = loadPolicyDir(dir);
  if (loaded.errors.length > 0) {
    for (const e of loaded.errors) io.err(formatPolicyError(e));
    io.err('fix the policy files before running scenarios (npm run policy -- check)');
    return 1;
  }
  const set = new PolicySet(loaded.policies);
  let testFiles = files;
  if (testFiles.length === 0) {
    try {
      testFiles = policyFilesIn(join(dir, 'tests'));
    } catch {
      testFiles = [];
    }
  }
  let passed = 0;
  let failed = 0;
  for (const file of testFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      io.err(formatPolicyError(errorAt(file, `cannot read: ${(e as Error).message}`)));
      failed++;
      continue;
    }
    const r = runScenarioFile(text, file, set);
    io.out(`${file}${r.policy ? ` (${r.policy})` : ''}`);
    if (r.errors.length > 0) {
      for (const e of r.errors) io.err(`  ${formatPolicyError(e)}`);
      failed++; // an unreadable fixture proves nothing: count it as a failure
      continue;
    }
    for (const s of r.results) {
      if (s.passed) {
        passed++;
        io.out(`  ✓ ${s.name}`);
        continue;
      }
      failed++;
      io.out(`  ✗ ${s.name}  (${file}:${s.line})`);
      for (const d of s.diff) io.out(`      ${d}`);
      io.out(explainDecision(s.decision).replace(/^/gm, '      | '));
    }
  }
  if (testFiles.length === 0) io.err(`no scenario files in ${join(dir, 'tests')}`);
  io.out(`${passed} passed, ${failed} failed`);
  return failed === 0 && testFiles.length > 0 ? 0 : 1;
}

function schema(dir: string, io: Io): number {
  const file = join(dir, 'policy.schema.json');
  writeFileSync(file, policyJsonSchemaText());
  io.out(`wrote ${file}`);
  return 0;
}

// The explain command reads recorded calls, which belongs to the store; it lives in ./explain.ts.
async function explain(args: string[], io: Io): Promise<number> {
  const [callId, ...rest] = args;
  if (!callId) {
    io.err('usage: npm run policy -- explain <call_id>');
    return 2;
  }
  const url = io.explainModule ?? new URL('./explain.js', import.meta.url);
  let mod: { default?: unknown };
  try {
    mod = (await import(url.href)) as { default?: unknown };
  } catch (e) {
    if (!isMissing(e, url)) throw e;
    io.err('explain: not available');
    return 2;
  }
  if (typeof mod.default !== 'function') {
    io.err('explain: not available');
    return 2;
  }
  const run = mod.default as (callId: string, argv: string[]) => Promise<number>;
  return run(callId, rest);
}

/** True only when explain.js itself is missing, not when something it imports is. */
function isMissing(e: unknown, url: URL): boolean {
  const err = e as { code?: string; message?: string };
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' && err?.code !== 'MODULE_NOT_FOUND') return false;
  // "Cannot find module '/…/explain.js' imported from …": the quoted name is the missing one.
  const stems = [fileURLToPath(url), url.href].map((s) => s.replace(/\.[cm]?[jt]s$/, ''));
  return typeof err.message === 'string' && stems.some((s) => err.message!.includes(`'${s}.`));
}

function errorAt(path: string, message: string): PolicyError {
  return { path, line: 0, column: 0, field: '', message };
}

runIfMain(import.meta.url, main);
