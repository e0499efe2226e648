import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { normalizeAnswer } from '../src/factors/shared/normalize.js';
import { ADA, enrolAda, makeTestApp, ring, SECRET_KEY, SECRETS } from './helpers/app.js';

/**
 * Plays every secret-bearing path (delivered codes, wrong and right; KBA answers; TOTP), then
 * scans everything the service said or kept: HTTP answers, log lines, audit events, every table.
 */
describe('secrets never leak', () => {
  it('no code, answer, TOTP seed or service secret in any response, log line, event or table', async () => {
    const t = await makeTestApp();
    const uri = await enrolAda(t);
    const totpSecret = new URL(uri).searchParams.get('secret')!;
    await ring(t, 'CA1');
    await t.tool('CA1', 'identify', { account_ref: 'AC-1001-2002' });
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const code = t.lastCode()!;
    const wrong = code === '987654' ? '123456' : '987654';
    await t.tool('CA1', 'otp_verify', { code: wrong });
    await t.tool('CA1', 'otp_verify', { code });
    await t.tool('CA1', 'kba_question', { level: 'advanced' });
    await t.tool('CA1', 'kba_verify', { question_id: 'q_deposit', answer: 'Nine Thousand Nine Hundred' });
    await t.tool('CA1', 'kba_verify', { question_id: 'q_deposit', answer: ADA.kba[1]!.answer });
    const totp = await generate({ secret: totpSecret, epoch: Math.floor(t.clock.now() / 1000) });
    await t.tool('CA1', 'otp_verify', { channel: 'app', code: totp });
    await t.tool('CA1', 'otp_verify', { channel: 'app', code: totp });
    await ring(t, 'CA2');
    await t.tool('CA2', 'kba_question', { level: 'basic' });
    await t.tool('CA2', 'kba_verify', { question_id: 'q_zip', answer: ADA.kba[0]!.answer });
    await t.post('transfer_funds', 'CA1', { to_account: 'savings', amount: 10 });
    await t.tool('CA1', 'handoff');
    await t.admin('GET', '/calls/CA1');
    await t.admin('GET', '/calls/CA2');
    // What the access log sees of refused requests: a code in a bad body, a secret on the wrong route,
    // a code in a query string. None of it may reach its line.
    await t.send('POST', '/tools/auth_orchestrator', { call_id: 'CA2', action: 'otp_verify', code, junk: true }, SECRETS.tool);
    await t.send('GET', '/admin/calls/CA1', undefined, SECRETS.tool);
    await t.send('GET', `/admin/calls/CA1?code=${code}&token=${SECRETS.admin}`, undefined, 'wrong');
    // The metrics scrape is scanned with the responses.
    const scrape = await t.app.request('/metrics', { headers: { authorization: `Bearer ${SECRETS.admin}` } });
    t.responses.push(await scrape.text());

    const needles = [
      code,
      wrong,
      totp,
      totpSecret,
      ADA.kba[0]!.answer,
      ADA.kba[1]!.answer,
      normalizeAnswer(ADA.kba[1]!.answer),
      'Nine Thousand Nine Hundred',
      normalizeAnswer('Nine Thousand Nine Hundred'),
      SECRET_KEY,
      SECRETS.tool,
      SECRETS.admin,
      SECRETS.ivr,
    ];
    // The enrolment answer is the one place the TOTP URI may appear: shown once to the operator.
    const responses = t.responses.filter((r) => !r.includes('otpauth://'));
    // Every table there is, so a table added later is scanned too.
    const tables = (t.sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['calls', 'events', 'otp_challenges', 'kba_answers', 'totp_secrets', 'did_sessions', 'webhook_receipts']));
    const stored = tables.map((name) => JSON.stringify(t.sqlite.prepare(`select * from ${name}`).all()));
    const haystacks = { responses, logs: t.logs, tables: stored };

    for (const [where, texts] of Object.entries(haystacks)) {
      for (const needle of needles) {
        const hit = texts.find((text) => text.includes(needle));
        expect(hit, `${where} contains a secret (${needle.length} chars)`).toBeUndefined();
      }
    }
    // The scan looked at real traffic: the factors did run, and the access log has its lines.
    expect(t.logs.some((l) => l.includes('factor_passed'))).toBe(true);
    const access = t.logs.filter((l) => l.includes('"event":"http_request"'));
    expect(access.some((l) => l.includes('"status":400'))).toBe(true);
    expect(access.some((l) => l.includes('"status":401'))).toBe(true);
    expect(access.some((l) => l.includes('"route":"/metrics"'))).toBe(true);
    expect(t.logs.some((l) => l.includes('factor_failed'))).toBe(true);
    t.close();
  });

  it('the audit scrubber drops secret-named fields whatever a caller passes', async () => {
    const t = await makeTestApp();
    await t.services.audit.record('CA9', 'probe', 0, { code: '123456', answer: 'x', nested: { token: 't', ok: 1 }, reason: 'wrong_code' });
    const [event] = await t.services.events.forCall('CA9');
    expect(event!.data).toEqual({ nested: { ok: 1 }, reason: 'wrong_code' });
    expect(t.logs.at(-1)).not.toContain('123456');
    t.close();
  });
});
