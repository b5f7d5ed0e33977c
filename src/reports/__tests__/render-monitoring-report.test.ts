import { describe, expect, it } from 'vitest';
import { renderMonitoringReport } from '../index.js';
import { HOSTILE, hostileReport } from './hostile-report.js';
import { sampleReport } from './sample-report.js';
import { inlineSvgs, xmlErrors } from './xml-check.js';

const html = renderMonitoringReport(sampleReport());

/** Position of the first match, failing the test when absent. */
function at(text: string, needle: string | RegExp): number {
  const i = typeof needle === 'string' ? text.indexOf(needle) : text.search(needle);
  expect(i, `${String(needle)} not found`).toBeGreaterThanOrEqual(0);
  return i;
}

describe('renderMonitoringReport: structure', () => {
  it('is one HTML document: doctype, charset, title, inline style, no script', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')).toBe(true);
    expect(html).toContain('<title>Monitoring report — mushroom-gbt</title>');
    expect(html).toMatch(/<style>[^<]+<\/style>/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|@import|url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'`);
  });

  it('puts the verdict first, then the drift table, feature charts, performance, alerts, arms', () => {
    const order = [
      at(html, '<section id="verdict"'),
      at(html, '<table class="drift-table">'),
      at(html, '<section id="distributions"'),
      at(html, '<section id="prediction-drift"'),
      at(html, '<section id="performance"'),
      at(html, '<section id="alerts"'),
      at(html, '<section id="arms"'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(at(html, '<section id="verdict"')).toBeLessThan(at(html, '<svg'));
    expect(html).toContain('class="verdict verdict-alert"');
  });

  it('lists false-edible and poisonous-recall reasons first (safety first), then by severity', () => {
    const verdict = html.slice(at(html, '<section id="verdict"'), at(html, '</section>'));
    const kinds = [...verdict.matchAll(/class="reason reason-([a-z-]+)"/g)].map((m) => m[1]);
    expect(kinds).toEqual(['false-edible', 'poisonous-recall', 'dataset-drift', 'novelty']);
  });

  it('draws one chart per feature, in the drift table order, each linked from its row', () => {
    const report = sampleReport();
    const figures = [
      ...html.matchAll(/<figure class="feature" id="(feature-\d+)" data-kind="(\w+)">([\s\S]*?)<\/figure>/g),
    ];
    expect(figures.map((f) => f[1])).toEqual(report.distributions.map((_, i) => `feature-${i}`));
    for (const [i, f] of figures.entries()) {
      expect(inlineSvgs(f[3])).toHaveLength(1);
      expect(f[2]).toBe(report.distributions[i].kind);
      expect(html).toContain(`<a href="#feature-${i}">${report.distributions[i].feature}</a>`);
    }
    const table = html.slice(at(html, '<table class="drift-table">'), at(html, '</table>'));
    expect(table.match(/<tr class="drifted">/g)).toHaveLength(4);
    expect(table).toContain('Wasserstein, normed (wasserstein)');
    expect(html).toContain('4 of 9 features drifted (44.4%; dataset drift at ≥ 50.0%): no dataset drift.');
  });

  it('gives every chart a title, a description, axis labels and a legend', () => {
    const svgs = inlineSvgs(html);
    expect(svgs.length).toBe(sampleReport().distributions.length + 1 + 1 + 2); // features, predictions, performance, 2 arms
    for (const svg of svgs) {
      const id = /^<svg class="chart" id="([\w-]+)"/.exec(svg)?.[1];
      expect(id).toBeDefined();
      expect(svg).toContain(`role="img" aria-labelledby="${id}-title ${id}-desc"`);
      expect(svg).toMatch(
        new RegExp(`<title id="${id}-title">[^<]+</title><desc id="${id}-desc">[^<]+</desc>`),
      );
      expect(svg.match(/class="axis-label"/g)).toHaveLength(2);
      expect(svg).toContain('<g class="legend">');
    }
    const ids = svgs.map((s) => /id="([\w-]+)"/.exec(s)?.[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws labelled performance as solid lines and estimated performance as dashed lines', () => {
    const svg = inlineSvgs(html).find((s) => s.includes('id="performance-chart"')) ?? '';
    const labelled = [...svg.matchAll(/<g class="series labelled"><path ([^>]*)\/>/g)];
    const estimated = [...svg.matchAll(/<g class="series estimated"><path ([^>]*)\/>/g)];
    expect(labelled).toHaveLength(2);
    expect(estimated).toHaveLength(2);
    for (const m of labelled) expect(m[1]).not.toContain('stroke-dasharray');
    for (const m of estimated) expect(m[1]).toContain('stroke-dasharray="6 4"');
    // the legend draws them the same way
    expect(svg).toMatch(/stroke-dasharray="6 4"\/><text [^>]*>accuracy \(estimated\)<\/text>/);
    expect(svg).toMatch(/stroke-width="2.5"\/><text [^>]*>accuracy \(labelled\)<\/text>/);
  });

  it('lists alerts firing first, and every bucket with a false edible is marked', () => {
    const alerts = html.slice(at(html, '<table class="alerts">'));
    expect(alerts.indexOf('FalseEdibleInLabelledTraffic')).toBeLessThan(alerts.indexOf('DatasetDrift'));
    expect(alerts.indexOf('DatasetDrift')).toBeLessThan(alerts.indexOf('NoveltyShareRise'));
    expect(alerts).toContain('(silenced)');
    const buckets = html.slice(
      at(html, '<table class="performance-buckets">'),
      at(html, '<section id="alerts"'),
    );
    expect(buckets.match(/<tr class="drifted">/g)).toHaveLength(1);
  });

  it('is a pure function: the same report gives the same string', () => {
    expect(renderMonitoringReport(sampleReport())).toBe(html);
  });
});

describe('renderMonitoringReport: no external reference, valid inline SVG', () => {
  it('has no http:// or https:// anywhere for the sample report', () => {
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/xmlns|xlink|href="(?!#)/);
  });

  it('shows a URL the data supplies only as escaped text, never as a reference', () => {
    const out = renderMonitoringReport(hostileReport());
    const urls = [...out.matchAll(/https?:\/\//g)];
    expect(urls.length).toBeGreaterThan(0);
    for (const m of urls) {
      const before = out.slice(0, m.index);
      expect(before.lastIndexOf('>'), 'a URL inside a tag').toBeGreaterThan(before.lastIndexOf('<'));
    }
    expect(out).not.toMatch(/(src|href|action|xlink:href)\s*=\s*["']?https?:/i);
  });

  it('writes every inline SVG as well-formed XML (sample and hostile reports)', () => {
    for (const out of [html, renderMonitoringReport(hostileReport())]) {
      for (const svg of inlineSvgs(out)) expect(xmlErrors(svg)).toEqual([]);
    }
  });

  it('has an XML check that catches what it is meant to', () => {
    expect(xmlErrors('<svg><g></svg>')).not.toEqual([]);
    expect(xmlErrors('<svg><text>a & b</text></svg>')).not.toEqual([]);
    expect(xmlErrors('<svg><text>&nbsp;</text></svg>')).not.toEqual([]);
    expect(xmlErrors('<svg a="1" a="2"/>')).not.toEqual([]);
    expect(xmlErrors('<svg a=1/>')).not.toEqual([]);
    expect(xmlErrors('<svg><text>\u0000</text></svg>')).not.toEqual([]);
    expect(xmlErrors('<svg/><svg/>')).not.toEqual([]);
    expect(xmlErrors('<svg a="&amp;&#39;&#x41;"><text>&lt;</text><rect/></svg>')).toEqual([]);
  });
});

describe('renderMonitoringReport: escaping hostile strings', () => {
  const out = renderMonitoringReport(hostileReport());
  const TAGS = new Set(
    'html head meta title style body header h1 h2 h3 h4 p strong main section ul li span table caption thead tbody tr th td a div figure figcaption details summary footer svg desc g rect line text path circle'.split(
      ' ',
    ),
  );

  it('lets no data string open a tag or an attribute', () => {
    for (const m of out.slice('<!DOCTYPE html>\n'.length).matchAll(/<\/?([^\s>/]+)([^>]*)>/g)) {
      expect(TAGS.has(m[1]), `unexpected tag <${m[1]}>`).toBe(true);
      for (const a of m[2].matchAll(/\s([^\s=]+)=/g)) expect(a[1]).not.toMatch(/^on/i);
    }
    expect(out).not.toMatch(/<script|<img|<svg onload/i);
  });

  it('escapes <, &, quotes and replaces characters XML forbids', () => {
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(out).toContain('&#39; onmouseover=&#39;alert(3)');
    expect(out).toContain('&amp;amp; &amp;lt; &amp; &amp;#0; &amp;nbsp;');
    expect(out).toContain('nul\uFFFD bell\uFFFD lone\uFFFD fffe\uFFFD');
    expect([...out].filter((c) => c.charCodeAt(0) < 9 || c === '\uFFFE')).toEqual([]);
    for (const s of HOSTILE) {
      if (/[<&"']/.test(s)) expect(out).not.toContain(s);
    }
  });

  it('keeps the document structure: as many sections, figures, charts and bars as the clean report', () => {
    const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
    for (const re of [/<section /g, /<figure /g, /<svg /g, /<rect class="bar"/g, /<table /g]) {
      expect(count(out, re), String(re)).toBe(count(html, re));
    }
    // one table row per alert: the hostile report has one alert per hostile string
    const alerts = out.slice(out.indexOf('<table class="alerts">'));
    expect(count(alerts.slice(0, alerts.indexOf('</table>')), /<tr class="firing">/g)).toBe(HOSTILE.length);
  });
});
