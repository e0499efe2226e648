// `npm run elevenlabs -- <command>`: registers callgate with an ElevenLabs workspace through the
// official SDK (docs/elevenlabs.md walks through it). Node only.
//
//   npm run elevenlabs -- push --dry-run     print every config push would send (no network, no key)
//   npm run elevenlabs -- push               create / update / leave alone, by name; says which
//   npm run elevenlabs -- export [--out DIR] write the same configs as JSON files for review
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { TOOL_CHANNELS, type ToolChannel } from '../../tools/define.js';
import { DEV_SECRET_NAMES, loadConfig, readNodeEnv, type Config, type DevSecrets } from '../config.js';
import { buildPlan, DEFAULT_AGENT_NAME, POST_CALL_PATH, secretName, type Plan } from '../elevenlabs/configs.js';
import { push } from '../elevenlabs/push.js';
import { devSecretsDir, loadOrCreateDevSecrets } from '../runtime/node/dev-secrets.js';
import { runIfMain } from './run-main.js';

const USAGE = `usage: npm run elevenlabs -- <command> [options]

  push               create or update, by name, callgate's tools, agent and initiation webhook
                     in the ElevenLabs workspace of ELEVENLABS_API_KEY; a second run changes nothing
  push --dry-run     print exactly what push would send; no network, no API key needed
  export [--out DIR] write the same configuration as JSON files (default ./elevenlabs)

options:
  --public-url URL       callgate's public https URL (default $CALLGATE_PUBLIC_URL)
  --agent-name NAME      the agent to create or update (default "${DEFAULT_AGENT_NAME}")
  --handoff-number E164  where the human-handoff path transfers the call (default: the call ends)
  --channel CHANNEL      telephony (call_id = system__call_sid, default) or web (system__conversation_id)

environment: ELEVENLABS_API_KEY, ELEVENLABS_BASE_URL, CALLGATE_PUBLIC_URL, CALLGATE_TOOL_SECRET
(in development the generated one in data/dev-secrets.json, as npm start uses).`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}

const nodeIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env };

const E164 = /^\+[1-9]\d{1,14}$/;

interface Options {
  dryRun: boolean;
  out: string;
  publicUrl: string | undefined;
  agentName: string;
  handoffNumber: string | undefined;
  channel: ToolChannel;
}

function parse(args: string[]): Options | string {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        'dry-run': { type: 'boolean', default: false },
        out: { type: 'string', default: 'elevenlabs' },
        'public-url': { type: 'string' },
        'agent-name': { type: 'string', default: DEFAULT_AGENT_NAME },
        'handoff-number': { type: 'string' },
        channel: { type: 'string', default: 'telephony' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    return (e as Error).message;
  }
  const channel = values.channel as ToolChannel;
  if (!TOOL_CHANNELS.includes(channel)) return `--channel must be ${TOOL_CHANNELS.join(' or ')}`;
  if (values['handoff-number'] !== undefined && !E164.test(values['handoff-number'])) return '--handoff-number must be an E.164 number (+15551234567)';
  if (!/^[\w .-]{1,100}$/.test(values['agent-name'])) return '--agent-name: 1 to 100 letters, digits, spaces, dots, dashes or underscores';
  return {
    dryRun: values['dry-run'],
    out: values.out,
    publicUrl: values['public-url'],
    agentName: values['agent-name'],
    handoffNumber: values['handoff-number'],
    channel,
  };
}

export async function main(argv: string[], io: Io = nodeIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'push' && command !== 'export') {
    io.err(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const opts = parse(rest);
  if (typeof opts === 'string') {
    io.err(`${opts}\n\n${USAGE}`);
    return 2;
  }
  if (command === 'export' || opts.dryRun) return offline(command, opts, io);
  return online(opts, io);
}

function withPublicUrl(env: Io['env'], opts: Options): Io['env'] {
  return opts.publicUrl === undefined ? env : { ...env, CALLGATE_PUBLIC_URL: opts.publicUrl };
}

// Stand-ins that satisfy loadConfig when nothing secret is needed (dry-run, export): a value
// from the environment wins, and nothing is generated or written.
const OFFLINE_SECRETS: DevSecrets = Object.fromEntries(DEV_SECRET_NAMES.map((n) => [n, `offline-placeholder-${n}`]));

/** push --dry-run and export: the plan with placeholders for what ElevenLabs assigns. */
async function offline(command: 'push' | 'export', opts: Options, io: Io): Promise<number> {
  const loaded = loadConfig(withPublicUrl(io.env, opts), OFFLINE_SECRETS);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(e);
    return 1;
  }
  const { config } = loaded;
  if (io.env.CALLGATE_PUBLIC_URL === undefined && opts.publicUrl === undefined) {
    io.err(`warning: CALLGATE_PUBLIC_URL is not set; showing ${config.publicUrl}, which ElevenLabs cannot reach`);
  }
  const knownSecret = !loaded.usedDevSecrets.includes('CALLGATE_TOOL_SECRET');
  const plan = buildPlan({
    publicUrl: config.publicUrl,
    channel: opts.channel,
    agentName: opts.agentName,
    handoffNumber: opts.handoffNumber,
    ...(knownSecret ? { secretName: await secretName(config.secrets.tool) } : {}),
  });
  if (command === 'export') return writeExport(plan, opts.out, io);
  printPlan(plan, io);
  return 0;
}

function printPlan(plan: Plan, io: Io): void {
  const show = (title: string, value: unknown) => {
    io.out(`# ${title}`);
    io.out(JSON.stringify(value, null, 2));
  };
  io.out('# Dry run: nothing was sent. Ids ElevenLabs assigns are shown as <placeholders>.');
  show('secret: POST /v1/convai/secrets (only when no secret of this name exists)', plan.secret);
  for (const t of plan.tools) show(`${t.graph} tool ${t.name}: POST /v1/convai/tools, or PATCH /v1/convai/tools/{id} when it differs`, t.request);
  show(`agent ${plan.agent.name}: POST /v1/convai/agents/create, or PATCH /v1/convai/agents/{id} when it differs`, plan.agent);
  show('workspace settings: PATCH /v1/convai/settings when they differ', plan.settings);
}

function writeExport(plan: Plan, dir: string, io: Io): number {
  const files: [string, unknown][] = [
    ['secret.json', plan.secret],
    ...plan.tools.map((t): [string, unknown] => [join('tools', `${t.name}.json`), t.request]),
    ['agent.json', plan.agent],
    ['settings.json', plan.settings],
  ];
  for (const [name, value] of files) {
    const file = join(dir, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
    io.out(`wrote ${file}`);
  }
  return 0;
}

/** The configuration the running server uses: the same dev secrets file as `npm start`. */
function serverConfig(env: Io['env']): { ok: true; config: Config } | { ok: false; errors: string[] } {
  const mode = readNodeEnv(env);
  if (!mode.ok) return { ok: false, errors: [mode.error] };
  const dev = mode.production ? undefined : loadOrCreateDevSecrets(devSecretsDir(env));
  return loadConfig(env, dev?.secrets);
}

async function online(opts: Options, io: Io): Promise<number> {
  const env = withPublicUrl(io.env, opts);
  if (env.CALLGATE_PUBLIC_URL === undefined || env.CALLGATE_PUBLIC_URL.trim() === '') {
    io.err('CALLGATE_PUBLIC_URL: required for push: the https URL where ElevenLabs reaches callgate (or pass --public-url)');
    return 1;
  }
  const loaded = serverConfig(env);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(e);
    return 1;
  }
  const { config } = loaded;
  const apiKey = config.elevenlabs.apiKey;
  if (!apiKey) {
    io.err('ELEVENLABS_API_KEY: required for push (create one at elevenlabs.io → Developers → API keys), or use --dry-run');
    return 1;
  }
  if (!config.publicUrl.startsWith('https://')) io.err(`warning: ${config.publicUrl} is not https; ElevenLabs sends the bearer secret to it`);

  const client = new ElevenLabsClient({ apiKey, ...(config.elevenlabs.baseUrl ? { baseUrl: config.elevenlabs.baseUrl } : {}), timeoutInSeconds: 60 });
  try {
    const result = await push({
      client,
      publicUrl: config.publicUrl,
      toolSecret: config.secrets.tool,
      channel: opts.channel,
      agentName: opts.agentName,
      handoffNumber: opts.handoffNumber,
      log: io.out,
    });
    io.out('');
    io.out(`Next: attach your phone number to agent ${result.agentId} (ElevenLabs → Phone numbers), and point a post-call`);
    io.out(`webhook (HMAC) at ${config.publicUrl}${POST_CALL_PATH} with its secret in ELEVENLABS_WEBHOOK_SECRET.`);
    return 0;
  } catch (e) {
    io.err(describeError(e));
    return 1;
  }
}

function describeError(e: unknown): string {
  if (e instanceof ElevenLabsError) {
    const body = e.body === undefined ? '' : `: ${JSON.stringify(e.body).slice(0, 2000)}`;
    if (e.statusCode === 401) return `ElevenLabs refused the API key (401)${body}`;
    return `ElevenLabs answered ${e.statusCode ?? 'an error'}${body}`;
  }
  return `push failed: ${(e as Error).message}`;
}

runIfMain(import.meta.url, main);
