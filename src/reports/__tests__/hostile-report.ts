/** A sample report whose every string is hostile: markup, quotes, entities, control characters, URLs. */
import type { MonitoringReport } from '../index.js';
import { sampleReport } from './sample-report.js';

/** Strings that break HTML or XML when not escaped. */
export const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(2)>',
  "' onmouseover='alert(3)",
  '&amp; &lt; & &#0; &nbsp;',
  ']]></svg><svg onload=alert(4)>',
  'nul\u0000 bell\u0007 lone\uD800 fffe\uFFFE',
  'https://evil.example/x.png',
] as const;

/** One hostile string per position, cycling through {@link HOSTILE}. */
function h(i: number, prefix = ''): string {
  return `${prefix}${HOSTILE[i % HOSTILE.length]}`;
}

/** The sample report with hostile feature names, categories, labels, summaries, alert names and times. */
export function hostileReport(): MonitoringReport {
  const base = sampleReport();
  const distributions = base.distributions.map((d, i) => {
    if (d.kind === 'numeric') return { ...d, feature: h(i, `f${i}`), unit: h(i + 1) };
    const rename = (r: Readonly<Record<string, number>>) =>
      Object.fromEntries(Object.entries(r).map(([k, v], j) => [j === 0 ? h(i + j, k) : k, v]));
    const labels = Object.fromEntries(Object.keys(d.labels ?? {}).map((k, j) => [k, h(i + j + 2)]));
    return {
      ...d,
      feature: h(i, `f${i}`),
      reference: rename(d.reference),
      current: rename(d.current),
      labels,
    };
  });
  const features = (base.dataDrift?.features ?? []).map((f, i) => ({
    ...f,
    feature: distributions[i].feature,
  }));
  return {
    ...base,
    generatedAt: h(3),
    model: { name: h(0), versions: [{ version: 7, stage: h(1), rows: 12_000 }] },
    window: { ...base.window, description: h(2) },
    reference: { ...base.reference, datasetVersion: h(4), builtAt: h(6) },
    summary: {
      verdict: 'alert',
      reasons: HOSTILE.map((message, i) => ({
        kind: i === 3 ? 'false-edible' : 'other',
        severity: 'warning',
        message,
      })),
    },
    dataDrift: base.dataDrift === null ? null : { ...base.dataDrift, features },
    distributions,
    arms: (base.arms ?? []).map((a, i) => ({ ...a, experiment: h(i), arm: h(i + 1) })),
    alerts: HOSTILE.map((s, i) => ({
      name: s,
      severity: 'critical',
      state: 'firing',
      since: h(i + 1),
      summary: h(i + 2),
    })),
  };
}
