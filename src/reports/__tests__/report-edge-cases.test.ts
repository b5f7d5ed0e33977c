import { describe, expect, it } from 'vitest';
import { isSporeprintError } from '../../core/index.js';
import { MISSING_CATEGORY } from '../../stats/index.js';
import { type MonitoringReport, type NumericDistribution, renderMonitoringReport } from '../index.js';
import { sampleBuckets, sampleReport } from './sample-report.js';
import { inlineSvgs, xmlErrors } from './xml-check.js';

function figure(html: string, index: number): string {
  const m = new RegExp(`<figure class="feature" id="feature-${index}"[\\s\\S]*?</figure>`).exec(html);
  expect(m, `figure ${index}`).not.toBeNull();
  return m?.[0] ?? '';
}

function withDistributions(
  report: MonitoringReport,
  distributions: MonitoringReport['distributions'],
): MonitoringReport {
  return { ...report, distributions, dataDrift: null };
}

function expectBadParam(report: MonitoringReport, message: RegExp, options = {}): void {
  try {
    renderMonitoringReport(report, options);
    expect.unreachable('should have thrown');
  } catch (err) {
    expect(isSporeprintError(err) && err.code).toBe('SP_ERR_BAD_PARAM');
    expect((err as Error).message).toMatch(message);
  }
}

describe('renderMonitoringReport: edge cases', () => {
  it('says an empty window is empty instead of drawing empty charts', () => {
    const base = sampleReport();
    const html = renderMonitoringReport({
      ...base,
      window: { ...base.window, rows: 0, labelledRows: 0 },
      summary: {
        verdict: 'warning',
        reasons: [{ kind: 'no-data', severity: 'warning', message: 'No traffic.' }],
      },
      dataDrift: null,
      predictionDrift: null,
      performance: { buckets: [], overall: { labelled: null, estimated: null } },
      arms: [],
      alerts: [],
    });
    expect(inlineSvgs(html)).toEqual([]);
    expect(html).toContain('<strong>The window has no predictions</strong>');
    expect(html).toContain('No data drift computed: the window has no rows.');
    expect(html).toContain('No distribution to compare: the window has no rows.');
    expect(html).toContain('No prediction drift computed: the window has no rows.');
    expect(html).toContain('No performance to show: the window has no rows.');
    expect(html).toContain('No alert in the window.');
    expect(html.indexOf('id="verdict"')).toBeLessThan(html.indexOf('window-empty'));
  });

  it('says when no label has arrived and draws the estimated lines only, dashed', () => {
    const base = sampleReport();
    const buckets = sampleBuckets(24, 0);
    const html = renderMonitoringReport({
      ...base,
      window: { ...base.window, labelledRows: 0 },
      performance: { buckets, overall: { labelled: null, estimated: base.performance.overall.estimated } },
    });
    expect(html).toContain('No labels have arrived yet: every line is estimated (dashed).');
    expect(html).toContain('<th scope="row">Labelled</th><td colspan="4">no labels yet</td>');
    const svg = inlineSvgs(html).find((s) => s.includes('id="performance-chart"')) ?? '';
    expect(svg).not.toContain('class="series labelled"');
    expect(svg.match(/<g class="series estimated"><path [^>]*stroke-dasharray="6 4"/g)).toHaveLength(2);
  });

  it('draws nothing but a note when there are neither labels nor estimates', () => {
    const base = sampleReport();
    const buckets = sampleBuckets(3, 0).map((b) => ({ ...b, estimated: null }));
    const html = renderMonitoringReport({
      ...base,
      arms: [],
      performance: { buckets, overall: { labelled: null, estimated: null } },
    });
    expect(html).toContain('No labels have arrived yet and no estimate was made.');
    expect(html).not.toContain('id="performance-chart"');
  });

  it('draws a single bucket as points, and breaks the line where a bucket has no value', () => {
    const base = sampleReport();
    const one = renderMonitoringReport({
      ...base,
      performance: { ...base.performance, buckets: sampleBuckets(1, 1) },
    });
    const svg = inlineSvgs(one).find((s) => s.includes('id="performance-chart"')) ?? '';
    expect(svg.match(/<circle /g)).toHaveLength(4);
    const gap = sampleBuckets(5, 5).map((b, i) => (i === 2 ? { ...b, labelled: null } : b));
    const broken = renderMonitoringReport({ ...base, performance: { ...base.performance, buckets: gap } });
    const path = /<g class="series labelled"><path d="([^"]+)"/.exec(broken)?.[1] ?? '';
    expect(path.match(/M/g)).toHaveLength(2);
  });

  it('shows categories present on one side only and names the missing category', () => {
    const html = renderMonitoringReport(
      withDistributions(sampleReport(), [
        {
          kind: 'categorical',
          feature: 'habitat',
          reference: { d: 0.7, g: 0.2, u: 0.1 },
          current: { d: 0.6, g: 0.2, w: 0.1, [MISSING_CATEGORY]: 0.1 },
          labels: { d: 'woods', g: 'grasses', u: 'urban', w: 'waste' },
        },
      ]),
    );
    const f = figure(html, 0);
    expect(f).toContain('Only in the current window (unseen in the reference): “(missing)”, “waste (w)”.');
    expect(f).toContain('Only in the reference (absent from the current window): “urban (u)”.');
    expect(f.match(/<rect class="bar"/g)).toHaveLength(2 * 5);
    expect(f).toContain('<title>reference · waste (w): 0.0%</title>');
  });

  it('draws a constant numeric feature as one bar and says it is constant', () => {
    const constant: NumericDistribution = {
      kind: 'numeric',
      feature: 'veil-width',
      unit: 'mm',
      edges: [3, 3],
      reference: [1],
      current: [1],
    };
    const html = renderMonitoringReport(withDistributions(sampleReport(), [constant]));
    const f = figure(html, 0);
    expect(f.match(/<rect class="bar"/g)).toHaveLength(2);
    expect(f).toContain('Constant feature: every non-missing value is 3 mm.');
    for (const svg of inlineSvgs(f)) expect(xmlErrors(svg)).toEqual([]);
  });

  it('limits hundreds of categories to the top K and sums the rest into one “other” bar', () => {
    const reference: Record<string, number> = {};
    const current: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      reference[`c${i}`] = (300 - i) / 45_150;
      current[`c${i}`] = (i + 1) / 45_150;
    }
    const html = renderMonitoringReport(
      withDistributions(sampleReport(), [{ kind: 'categorical', feature: 'species', reference, current }]),
      { topCategories: 10 },
    );
    const f = figure(html, 0);
    expect(f.match(/<rect class="bar"/g)).toHaveLength(2 * 11);
    expect(f).toContain('Showing the top 10 of 300 categories; the other 290 are summed in the “other” bar.');
    expect(f).toContain('other (290 categories)');
    // the largest on either side come first: c0 (reference) and c299 (current)
    expect(f.indexOf('>c0<')).toBeGreaterThan(0);
    expect(f.indexOf('>c299<')).toBeGreaterThan(0);
    const sum = (re: RegExp) => [...f.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
    expect(sum(/<title>reference · [^:]+: ([\d.]+)%<\/title>/g)).toBeCloseTo(100, 0);
  });

  it('says a feature has no value in the current window instead of drawing an empty chart', () => {
    const html = renderMonitoringReport(
      withDistributions(sampleReport(), [
        { kind: 'categorical', feature: 'veil-color', reference: { w: 1 }, current: {} },
      ]),
    );
    expect(figure(html, 0)).toContain('No non-missing value of veil-color in the current window.');
    expect(inlineSvgs(figure(html, 0))).toEqual([]);
  });
});

describe('renderMonitoringReport: bad input fails with SP_ERR_BAD_PARAM naming the field', () => {
  const base = sampleReport();
  const hist = base.distributions[0] as NumericDistribution;

  it('refuses a histogram whose shares do not match its edges', () => {
    expectBadParam(
      withDistributions(base, [{ ...hist, reference: hist.reference.slice(1) }]),
      /distributions\[0\] \(cap-diameter\) has 16 edges so needs 15 reference shares, got 14/,
    );
  });

  it('refuses decreasing or non-finite edges', () => {
    expectBadParam(
      withDistributions(base, [{ ...hist, edges: [...hist.edges].reverse() }]),
      /edges must increase/,
    );
    expectBadParam(
      withDistributions(base, [{ ...hist, edges: [0, Number.NaN], reference: [1], current: [1] }]),
      /edge 1 is not a finite number/,
    );
  });

  it('refuses an unknown format version, a bad row count, a bad bucket time and a bad top K', () => {
    expectBadParam({ ...base, formatVersion: 2 as 1 }, /formatVersion must be 1, got 2/);
    expectBadParam(
      { ...base, window: { ...base.window, rows: -1 } },
      /window.rows must be an integer ≥ 0, got -1/,
    );
    const buckets = base.performance.buckets.map((b, i) => (i === 3 ? { ...b, from: 'yesterday' } : b));
    expectBadParam(
      { ...base, performance: { ...base.performance, buckets } },
      /performance.buckets\[3\].from is not an ISO 8601 time \(yesterday\)/,
    );
    expectBadParam(base, /topCategories must be an integer ≥ 1, got 0/, { topCategories: 0 });
  });
});
