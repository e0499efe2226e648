import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { labelValue } from './callgate.js';
import { render } from './exposition.js';

describe('exposition format', () => {
  it('escapes HELP text and label values so a parser reads them back whole', () => {
    const text = render([
      { name: 'x_total', type: 'counter', help: 'back\\slash and\nnewline', samples: [{ labels: { v: 'a "quoted" \\ value\nnext' }, value: 3 }] },
      { name: 'y', type: 'gauge', help: 'not a number yet', samples: [{ value: NaN }] },
    ]);
    expect(text).toContain('# HELP x_total back\\\\slash and\\nnewline\n');
    expect(text).toContain('x_total{v="a \\"quoted\\" \\\\ value\\nnext"} 3\n');
    expect(text).toContain('y NaN\n');
    const [x, y] = parsePrometheusTextFormat(text);
    expect(x).toMatchObject({ name: 'x_total', type: 'COUNTER', metrics: [{ labels: { v: 'a "quoted" \\ value\nnext' }, value: '3' }] });
    expect(y).toMatchObject({ name: 'y', type: 'GAUGE', metrics: [{ value: 'NaN' }] });
  });

  it('a histogram has cumulative buckets, +Inf, _sum and _count', () => {
    const text = render([{ name: 'h_seconds', type: 'histogram', help: 'a histogram', buckets: [0.5, 1], series: [{ cumulative: [1, 3], count: 4, sum: 7.5 }] }]);
    expect(text.split('\n')).toEqual([
      '# HELP h_seconds a histogram',
      '# TYPE h_seconds histogram',
      'h_seconds_bucket{le="0.5"} 1',
      'h_seconds_bucket{le="1"} 3',
      'h_seconds_bucket{le="+Inf"} 4',
      'h_seconds_sum 7.5',
      'h_seconds_count 4',
      '',
    ]);
    expect(parsePrometheusTextFormat(text)[0]).toMatchObject({ type: 'HISTOGRAM', metrics: [{ buckets: { '0.5': '1', '1': '3', '+Inf': '4' }, count: '4', sum: '7.5' }] });
  });

  it('refuses a bad metric or label name rather than emit an unparseable scrape', () => {
    expect(() => render([{ name: 'bad-name', type: 'gauge', help: 'h', samples: [] }])).toThrow(/bad metric name/);
    expect(() => render([{ name: 'g', type: 'gauge', help: 'h', samples: [{ labels: { 'bad-label': 'v' }, value: 1 }] }])).toThrow(/bad label name/);
  });

  it('a label value from an event is a short word or "other": never an id, number or phone', () => {
    for (const ok of ['otp', 'kba_advanced', 'sends_per_destination_per_day', 'default', 'nist-aal2']) expect(labelValue(ok)).toBe(ok);
    expect(labelValue(3)).toBe('3');
    for (const id of ['CA1b2c3d4e5f60718293a4b5c6d7e8f901', 'cust_ada', 'did_k3m9x2q8r7t6y5w4z3v2b1', '+14155550142', '123456', '', 'x'.repeat(41), null, { a: 1 }, -1, 1.5]) {
      expect(labelValue(id)).toBe('other');
    }
  });
});
