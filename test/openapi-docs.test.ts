import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDocument } from '../src/openapi/document.js';
import { covers, operationsOf, type Operation } from './helpers/openapi.js';

// docs/api.md and the OpenAPI document describe the same routes: every operation has a section
// (a `### \`METHOD /path\`` heading, or a row of a route table) and a row in the route index, and
// every route the page names is in the document.

const doc = buildDocument() as any;
const ops = operationsOf(doc);
const page = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');
const lines = page.split('\n');

const METHOD = /^(GET|POST|PUT|PATCH|DELETE)$/;
/** `/ivr/sessions/{sessionId}[?wait=N]` → `/ivr/sessions/{sessionId}`. */
const bare = (path: string) => path.replace(/[[?].*$/, '');
const mention = (text: string): Operation[] =>
  [...text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s]*)`/g)].map((m) => ({ method: m[1]!.toLowerCase(), path: bare(m[2]!) }));

/** Route headings, and the first cell of table rows that name a route (the Twilio routes' table). */
function sections(): Operation[] {
  const found: Operation[] = [];
  for (const line of lines) {
    const heading = /^#{2,4} (.*)$/.exec(line);
    if (heading) found.push(...mention(heading[1]!));
    const row = /^\| ([^|]*`(?:GET|POST|PUT|PATCH|DELETE) \/[^|]*) \|/.exec(line);
    if (row) found.push(...mention(row[1]!));
  }
  return found;
}

/** The rows of the Route index table: `| METHOD | \`/a\`, \`/b\` | … |`. */
function indexRows(): Operation[] {
  const start = lines.indexOf('## Route index');
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start, end).flatMap((line) => {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (!METHOD.test(cells[1] ?? '')) return [];
    return [...(cells[2] ?? '').matchAll(/`(\/[^`]*)`/g)].map((m) => ({ method: cells[1]!.toLowerCase(), path: bare(m[1]!) }));
  });
}

const inDoc = (d: Operation) => ops.some((op) => op.method === d.method && covers(d.path, op.path));
const documented = (op: Operation, by: Operation[]) => by.some((d) => d.method === op.method && covers(d.path, op.path));

describe('docs/api.md agrees with the OpenAPI document', () => {
  const named = sections();
  const index = indexRows();

  it('the page is parsed: it names routes in headings, tables and the index', () => {
    expect(named.length).toBeGreaterThan(20);
    expect(index.length).toBeGreaterThan(20);
    expect(named).toContainEqual({ method: 'post', path: '/ivr/twilio/wait' });
    expect(named).toContainEqual({ method: 'get', path: '/ivr/sessions/{sessionId}' });
  });

  it.each(ops.map((op) => [op.method.toUpperCase(), op.path, op] as const))('%s %s has a section and an index row', (_, __, op) => {
    expect(documented(op, named), 'no section').toBe(true);
    expect(documented(op, index), 'no route index row').toBe(true);
  });

  it('every route the page names is in the document', () => {
    expect([...named, ...index].filter((d) => !inDoc(d))).toEqual([]);
  });

  it('the check can fail: a route the document lacks is caught', () => {
    expect(inDoc({ method: 'get', path: '/admin/everything' })).toBe(false);
    expect(inDoc({ method: 'delete', path: '/healthz' })).toBe(false);
  });

  it('the orchestrator reasons of the page are the ones the document lists', () => {
    const start = lines.indexOf('#### Orchestrator reasons');
    const end = lines.findIndex((l, i) => i > start && /^#{2,4} /.test(l));
    const fromPage = lines
      .slice(start, end)
      .filter((l) => l.startsWith('| `'))
      .flatMap((l) => [...l.split('|')[1]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!));
    const listed = doc.paths['/tools/auth_orchestrator'].post.responses[200]['x-callgate-reasons'];
    expect([...new Set(fromPage)].sort()).toEqual([...listed].sort());
  });
});
