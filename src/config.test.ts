import { describe, expect, it } from 'vitest';
import { DEV_SECRET_NAMES, describeConfig, hostUrl, loadConfig, readNodeEnv, type Config, type DevSecrets } from './config.js';

const DEV: DevSecrets = {
  CALLGATE_TOOL_SECRET: 'dev-tool-secret',
  CALLGATE_IVR_SECRET: 'dev-ivr-secret',
  CALLGATE_ADMIN_TOKEN: 'dev-admin-token',
  CALLGATE_SECRET_KEY: 'dev-secret-key',
};

const long = (c: string) => c.repeat(40);
const PROD_SECRETS = {
  CALLGATE_TOOL_SECRET: long('t'),
  CALLGATE_IVR_SECRET: long('i'),
  CALLGATE_ADMIN_TOKEN: long('a'),
  CALLGATE_SECRET_KEY: long('k'),
};
const SID = 'AC0123456789abcdef0123456789abcdef';

function ok(env: Record<string, string | undefined>, dev: DevSecrets | undefined = DEV): Config {
  const r = loadConfig(env, dev);
  if (!r.ok) throw new Error(`expected ok, got:\n${r.errors.join('\n')}`);
  return r.config;
}

function errors(env: Record<string, string | undefined>, dev: DevSecrets | undefined = DEV): string[] {
  const r = loadConfig(env, dev);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

describe('loadConfig defaults', () => {
  it('fills every documented default', () => {
    const c = ok({});
    expect(c.port).toBe(8787);
    expect(c.host).toBe('127.0.0.1');
    expect(c.db).toBe('./data/callgate.sqlite');
    expect(c.policyDir).toBe('./policies');
    expect(c.otp.delivery).toBe('console');
    expect(c.otp.webhook).toBeUndefined();
    expect(c.publicUrl).toBe('http://127.0.0.1:8787');
    expect(c.twilio.apiBaseUrl).toBe('https://api.twilio.com');
    expect(c.elevenlabs.baseUrl).toBeUndefined();
    expect(c.production).toBe(false);
    expect(c.devOutbox).toBe(true);
  });

  it('derives the public URL from HOST and PORT, bracketing IPv6', () => {
    expect(ok({ HOST: '0.0.0.0', PORT: '9000', CALLGATE_ALLOW_REMOTE_DEV: '1' }).publicUrl).toBe('http://0.0.0.0:9000');
    expect(ok({ HOST: '::1' }).publicUrl).toBe('http://[::1]:8787');
    expect(hostUrl('[::1]', 9000)).toBe('http://[::1]:9000'); // bracketed once, also for the listening URL
  });

  it('reads explicit values and strips trailing slashes from base URLs', () => {
    const c = ok({
      PORT: '0',
      HOST: 'localhost',
      CALLGATE_DB: ':memory:',
      CALLGATE_POLICY_DIR: '/etc/callgate/policies',
      CALLGATE_PUBLIC_URL: 'https://gate.example.com/',
      TWILIO_API_BASE_URL: 'http://127.0.0.1:4010/',
      ELEVENLABS_BASE_URL: 'https://api.eu.elevenlabs.io',
    });
    expect(c.port).toBe(0);
    expect(c.host).toBe('localhost');
    expect(c.db).toBe(':memory:');
    expect(c.policyDir).toBe('/etc/callgate/policies');
    expect(c.publicUrl).toBe('https://gate.example.com');
    expect(c.twilio.apiBaseUrl).toBe('http://127.0.0.1:4010');
    expect(c.elevenlabs.baseUrl).toBe('https://api.eu.elevenlabs.io');
  });

  it('treats empty and blank values as unset and trims the rest', () => {
    const c = ok({ PORT: '', HOST: '   ', CALLGATE_OTP_DELIVERY: ' console ' });
    expect(c.port).toBe(8787);
    expect(c.host).toBe('127.0.0.1');
    expect(c.otp.delivery).toBe('console');
  });
});

describe('loadConfig names each bad value', () => {
  it('PORT', () => {
    expect(errors({ PORT: 'abc' })).toEqual(['PORT: must be an integer 0–65535, got "abc"']);
    expect(errors({ PORT: '65536' })[0]).toMatch(/^PORT: must be an integer 0–65535, got "65536"$/);
    expect(errors({ PORT: '-1' })[0]).toMatch(/^PORT:/);
    expect(errors({ PORT: '80.5' })[0]).toMatch(/^PORT:/);
  });

  it('CALLGATE_RETENTION_DAYS: whole days 0–36500, default 90', () => {
    expect(ok({}).retentionDays).toBe(90);
    expect(ok({ CALLGATE_RETENTION_DAYS: '0' }).retentionDays).toBe(0);
    expect(ok({ CALLGATE_RETENTION_DAYS: ' 30 ' }).retentionDays).toBe(30);
    expect(errors({ CALLGATE_RETENTION_DAYS: 'ninety' })).toEqual([
      'CALLGATE_RETENTION_DAYS: must be a whole number of days 0–36500 (0 keeps calls forever), got "ninety"',
    ]);
    for (const bad of ['-1', '1.5', '36501', '1e3']) expect(errors({ CALLGATE_RETENTION_DAYS: bad })[0]).toMatch(/^CALLGATE_RETENTION_DAYS:/);
    expect(describeConfig(ok({ CALLGATE_RETENTION_DAYS: '0' }))).toMatch(/^CALLGATE_RETENTION_DAYS\s+0 \(calls kept forever\)$/m);
  });

  it('HOST, CALLGATE_OTP_DELIVERY, URLs, Twilio values', () => {
    const errs = errors({
      HOST: 'bad host',
      CALLGATE_OTP_DELIVERY: 'pigeon',
      CALLGATE_PUBLIC_URL: 'not a url',
      TWILIO_API_BASE_URL: 'ftp://api.twilio.com',
      ELEVENLABS_BASE_URL: 'https://x.example/?a=1',
      TWILIO_ACCOUNT_SID: 'AC123',
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_MESSAGING_FROM: '555-1234',
    });
    const byVar = (v: string) => errs.filter((e) => e.startsWith(`${v}: `));
    expect(byVar('HOST')).toHaveLength(1);
    expect(byVar('CALLGATE_OTP_DELIVERY')[0]).toBe('CALLGATE_OTP_DELIVERY: must be one of console | webhook | twilio, got "pigeon"');
    expect(byVar('CALLGATE_PUBLIC_URL')[0]).toMatch(/must be an http\(s\) URL, got "not a url"/);
    expect(byVar('TWILIO_API_BASE_URL')[0]).toMatch(/http\(s\) URL/);
    expect(byVar('ELEVENLABS_BASE_URL')[0]).toMatch(/without credentials, query or fragment/);
    expect(byVar('TWILIO_ACCOUNT_SID')[0]).toMatch(/"AC" followed by 32 hex digits, got "AC123"/);
    expect(byVar('TWILIO_MESSAGING_FROM')[0]).toMatch(/E\.164/);
    expect(errs).toHaveLength(7);
  });

  it('reports every problem at once, one line each', () => {
    const errs = errors({ PORT: 'x', CALLGATE_OTP_DELIVERY: 'webhook', NODE_ENV: 'production' }, undefined);
    expect(errs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^CALLGATE_OTP_WEBHOOK_URL: required when CALLGATE_OTP_DELIVERY=webhook$/),
        expect.stringMatching(/^CALLGATE_OTP_WEBHOOK_SECRET: required/),
        ...DEV_SECRET_NAMES.map((n) => expect.stringMatching(new RegExp(`^${n}: required in production`))),
      ]),
    );
    for (const e of errs) expect(e).not.toContain('\n');
  });

  it('webhook delivery needs a valid http(s) URL and a secret', () => {
    expect(errors({ CALLGATE_OTP_DELIVERY: 'webhook', CALLGATE_OTP_WEBHOOK_SECRET: 's' })).toEqual([
      'CALLGATE_OTP_WEBHOOK_URL: required when CALLGATE_OTP_DELIVERY=webhook',
    ]);
    const bad = errors({
      CALLGATE_OTP_DELIVERY: 'webhook',
      CALLGATE_OTP_WEBHOOK_URL: 'mailto:x@example.com?token=SEKRIT',
      CALLGATE_OTP_WEBHOOK_SECRET: 's',
    });
    expect(bad).toEqual(['CALLGATE_OTP_WEBHOOK_URL: must be an http(s) URL']);
    expect(bad.join()).not.toContain('SEKRIT');
    const c = ok({ CALLGATE_OTP_DELIVERY: 'webhook', CALLGATE_OTP_WEBHOOK_URL: 'https://hooks.example/otp', CALLGATE_OTP_WEBHOOK_SECRET: 's' });
    expect(c.otp).toEqual({ delivery: 'webhook', webhook: { url: 'https://hooks.example/otp', secret: 's' } });
    expect(c.devOutbox).toBe(false);
  });

  it('twilio delivery needs account SID, auth token and a sender', () => {
    const errs = errors({ CALLGATE_OTP_DELIVERY: 'twilio' });
    expect(errs).toEqual([
      'TWILIO_ACCOUNT_SID: required when CALLGATE_OTP_DELIVERY=twilio',
      'TWILIO_AUTH_TOKEN: required when CALLGATE_OTP_DELIVERY=twilio',
      'TWILIO_MESSAGING_FROM: required when CALLGATE_OTP_DELIVERY=twilio (an E.164 number or MG… SID)',
    ]);
    const c = ok({ CALLGATE_OTP_DELIVERY: 'twilio', TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'tok', TWILIO_MESSAGING_FROM: '+15005550006' });
    expect(c.twilio).toEqual({ apiBaseUrl: 'https://api.twilio.com', accountSid: SID, authToken: 'tok', messagingFrom: '+15005550006' });
    const mg = ok({
      CALLGATE_OTP_DELIVERY: 'twilio',
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_MESSAGING_FROM: 'MG0123456789abcdef0123456789abcdef',
    });
    expect(mg.twilio.messagingFrom).toBe('MG0123456789abcdef0123456789abcdef');
  });

  it('half a Twilio credential pair is an error whatever the delivery', () => {
    expect(errors({ TWILIO_ACCOUNT_SID: SID })).toEqual(['TWILIO_AUTH_TOKEN: required when TWILIO_ACCOUNT_SID is set']);
    expect(errors({ TWILIO_AUTH_TOKEN: 'tok' })).toEqual(['TWILIO_ACCOUNT_SID: required when TWILIO_AUTH_TOKEN is set']);
  });

  it('never echoes a secret value in an error', () => {
    const errs = errors({ NODE_ENV: 'production', ...PROD_SECRETS, CALLGATE_TOOL_SECRET: 'short-but-secret', TWILIO_AUTH_TOKEN: 'has space' });
    expect(errs).toContain('CALLGATE_TOOL_SECRET: must be at least 32 characters in production, got 16');
    expect(errs).toContain('TWILIO_AUTH_TOKEN: must not contain whitespace');
    expect(errs.join('\n')).not.toMatch(/short-but-secret|has space/);
  });
});

describe('loadConfig secrets', () => {
  it('production refuses to start without the four secrets, and ignores dev secrets', () => {
    const errs = errors({ NODE_ENV: 'production' }, DEV);
    expect(errs).toEqual(DEV_SECRET_NAMES.map((n) => `${n}: required in production (at least 32 characters)`));
  });

  it('production accepts long, distinct secrets; the dev outbox is off', () => {
    const r = loadConfig({ NODE_ENV: 'production', ...PROD_SECRETS }, DEV);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.usedDevSecrets).toEqual([]);
    expect(r.config.secrets).toEqual({ tool: long('t'), ivr: long('i'), admin: long('a'), key: long('k') });
    expect(r.config.production).toBe(true);
    expect(r.config.devOutbox).toBe(false);
    expect(r.warnings.some((w) => w.startsWith('CALLGATE_OTP_DELIVERY: console in production'))).toBe(true);
  });

  it('production refuses a secret reused for two roles', () => {
    const errs = errors({ NODE_ENV: 'production', ...PROD_SECRETS, CALLGATE_ADMIN_TOKEN: long('t') });
    expect(errs).toEqual(['CALLGATE_ADMIN_TOKEN: must differ from CALLGATE_TOOL_SECRET']);
  });

  it('production requires long feature secrets we share with a counterpart', () => {
    const errs = errors({
      NODE_ENV: 'production',
      ...PROD_SECRETS,
      VOXEQ_WEBHOOK_SECRET: 'short',
      CALLGATE_HOST_SESSION_SECRET: 'short',
      ELEVENLABS_WEBHOOK_SECRET: 'wsec_issued_by_elevenlabs',
    });
    expect(errs).toEqual([
      'VOXEQ_WEBHOOK_SECRET: must be at least 32 characters in production, got 5',
      'CALLGATE_HOST_SESSION_SECRET: must be at least 32 characters in production, got 5',
    ]);
  });

  it('CALLGATE_METRICS_TOKEN: optional, long in production, never another secret', () => {
    expect(ok({}).secrets.metrics).toBeUndefined();
    expect(ok({ CALLGATE_METRICS_TOKEN: 'scrape' }).secrets.metrics).toBe('scrape');
    expect(ok({ NODE_ENV: 'production', ...PROD_SECRETS, CALLGATE_METRICS_TOKEN: long('m') }).secrets.metrics).toBe(long('m'));
    expect(errors({ NODE_ENV: 'production', ...PROD_SECRETS, CALLGATE_METRICS_TOKEN: 'short' })).toEqual([
      'CALLGATE_METRICS_TOKEN: must be at least 32 characters in production, got 5',
    ]);
    expect(errors({ NODE_ENV: 'production', ...PROD_SECRETS, CALLGATE_METRICS_TOKEN: long('a') })).toEqual([
      'CALLGATE_METRICS_TOKEN: must differ from CALLGATE_ADMIN_TOKEN',
    ]);
    const r = loadConfig({ CALLGATE_METRICS_TOKEN: 'dev-tool-secret' }, DEV);
    expect(r.ok && r.warnings).toContain('CALLGATE_METRICS_TOKEN: must differ from CALLGATE_TOOL_SECRET');
  });

  it('development falls back to generated secrets and lists which', () => {
    const r = loadConfig({ CALLGATE_ADMIN_TOKEN: 'mine' }, DEV);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.usedDevSecrets).toEqual(['CALLGATE_TOOL_SECRET', 'CALLGATE_IVR_SECRET', 'CALLGATE_SECRET_KEY']);
    expect(r.config.secrets).toEqual({ tool: 'dev-tool-secret', ivr: 'dev-ivr-secret', admin: 'mine', key: 'dev-secret-key' });
  });

  it('development without a secret and without a generated one is an error', () => {
    expect(errors({}, { CALLGATE_TOOL_SECRET: 'a', CALLGATE_IVR_SECRET: 'b', CALLGATE_ADMIN_TOKEN: 'c' })).toEqual([
      'CALLGATE_SECRET_KEY: required (not set and no generated development secret was supplied)',
    ]);
    expect(errors({}, {})).toHaveLength(4);
  });

  it('development accepts short secrets but warns about reuse and unknown CALLGATE_ variables', () => {
    const r = loadConfig({ CALLGATE_TOOL_SECRET: 'x', CALLGATE_IVR_SECRET: 'x', CALLGATE_OTP_DELIVER: 'twilio' }, DEV);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toContain('CALLGATE_IVR_SECRET: must differ from CALLGATE_TOOL_SECRET');
    expect(r.warnings).toContain('CALLGATE_OTP_DELIVER: unknown variable (ignored); a typo?');
  });
});

describe('NODE_ENV and HOST', () => {
  it('accepts production, development, test or unset, and refuses anything else', () => {
    expect(ok({}).production).toBe(false);
    expect(ok({ NODE_ENV: 'development' }).production).toBe(false);
    expect(ok({ NODE_ENV: 'test' }).production).toBe(false);
    expect(ok({ NODE_ENV: 'production', ...PROD_SECRETS }).production).toBe(true);
    for (const v of ['Production', 'PRODUCTION', 'prod', 'staging']) {
      expect(errors({ NODE_ENV: v, ...PROD_SECRETS })).toContain(`NODE_ENV: must be production, development, test or unset, got "${v}"`);
    }
    expect(readNodeEnv({ NODE_ENV: 'Production' })).toMatchObject({ ok: false });
    expect(readNodeEnv({ NODE_ENV: 'production' })).toEqual({ ok: true, production: true });
  });

  it('a development server listens only on loopback unless CALLGATE_ALLOW_REMOTE_DEV=1', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect(ok({ HOST: host }).host).toBe(host);
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'callgate.example.com']) {
      const errs = errors({ HOST: host });
      expect(errs).toHaveLength(1);
      expect(errs[0]).toMatch(new RegExp(`^HOST: ${host.replace(/\./g, '\\.')} is reachable from other machines.*CALLGATE_ALLOW_REMOTE_DEV=1`));
      expect(ok({ HOST: host, CALLGATE_ALLOW_REMOTE_DEV: '1' }).host).toBe(host);
    }
    expect(errors({ HOST: '0.0.0.0', CALLGATE_ALLOW_REMOTE_DEV: 'yes' })).toEqual(['CALLGATE_ALLOW_REMOTE_DEV: must be 1 (or unset), got "yes"']);
    expect(ok({ NODE_ENV: 'production', ...PROD_SECRETS, CALLGATE_OTP_DELIVERY: 'webhook', CALLGATE_OTP_WEBHOOK_URL: 'https://h.example/otp', CALLGATE_OTP_WEBHOOK_SECRET: long('w'), HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});

describe('describeConfig', () => {
  it('one line per setting, every secret redacted', () => {
    const c = ok({
      NODE_ENV: 'test',
      CALLGATE_TOOL_SECRET: 'TOOLSECRETVALUE',
      CALLGATE_OTP_DELIVERY: 'webhook',
      CALLGATE_OTP_WEBHOOK_URL: 'https://user:PASSWORD@hooks.example/otp?token=QUERYSECRET',
      CALLGATE_OTP_WEBHOOK_SECRET: 'WEBHOOKSECRET',
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: 'TWILIOTOKEN',
      VOXEQ_WEBHOOK_SECRET: 'VOXEQSECRET',
      ELEVENLABS_API_KEY: 'ELEVENKEY',
      ELEVENLABS_WEBHOOK_SECRET: 'ELEVENHOOK',
      CALLGATE_HOST_SESSION_SECRET: 'HOSTSESSION',
      CALLGATE_METRICS_TOKEN: 'METRICSSCRAPE',
    });
    const text = describeConfig(c);
    const lines = text.split('\n');
    for (const secret of [
      'TOOLSECRETVALUE',
      ...Object.values(DEV),
      'PASSWORD',
      'QUERYSECRET',
      'WEBHOOKSECRET',
      'TWILIOTOKEN',
      'VOXEQSECRET',
      'ELEVENKEY',
      'ELEVENHOOK',
      'HOSTSESSION',
      'METRICSSCRAPE',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(lines.find((l) => l.startsWith('CALLGATE_TOOL_SECRET'))).toMatch(/\[redacted\]$/);
    expect(lines.find((l) => l.startsWith('CALLGATE_METRICS_TOKEN'))).toMatch(/\[redacted\]$/);
    expect(lines.find((l) => l.startsWith('CALLGATE_OTP_WEBHOOK_URL'))).toMatch(/https:\/\/\[redacted\]@hooks\.example\/otp\?…$/);
    expect(lines.find((l) => l.startsWith('TWILIO_ACCOUNT_SID'))).toContain(SID);
    expect(lines.find((l) => l.startsWith('PORT'))).toMatch(/8787$/);
    expect(lines.find((l) => l.startsWith('dev outbox'))).toMatch(/off$/);
    expect(lines.find((l) => l.startsWith('ELEVENLABS_BASE_URL'))).toMatch(/\(SDK default\)$/);
    expect(new Set(lines.map((l) => l.split(/\s+/)[0])).size).toBe(lines.length);
  });
});

describe('CALLGATE_FAULT', () => {
  it('is absent unless set, names a transfer step when set, and is refused in production', () => {
    expect(ok({}).fault).toBeUndefined();
    const armed = ok({ CALLGATE_FAULT: 'transfer:after_debit' });
    expect(armed.fault).toBe('transfer:after_debit');
    expect(describeConfig(armed)).toMatch(/^CALLGATE_FAULT\s+transfer:after_debit/m);
    expect(describeConfig(ok({}))).not.toContain('CALLGATE_FAULT');
    expect(errors({ CALLGATE_FAULT: 'transfer:after_lunch' })).toEqual([
      expect.stringMatching(/^CALLGATE_FAULT: must be one of transfer:after_claim, .*got "transfer:after_lunch"$/),
    ]);
    expect(errors({ NODE_ENV: 'production', ...PROD_SECRETS, CALLGATE_FAULT: 'transfer:after_debit' })).toEqual([
      'CALLGATE_FAULT: fault injection is for tests only and refused in production',
    ]);
  });
});
