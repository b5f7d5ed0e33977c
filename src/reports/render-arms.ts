import { formatCount } from './format-figures.js';
import { escapeHtml as e } from './html-escape.js';
import type { ArmSection } from './monitoring-report-types.js';
import { renderDriftTable } from './render-drift-table.js';
import { renderPerformance } from './render-performance.js';
import { renderPredictionDrift } from './render-predictions.js';
import { renderSummary } from './render-summary.js';

/**
 * One section per experiment arm: its verdict, drift table, prediction shares and performance, the same
 * views as the whole model's (ids prefixed `arm-<i>` so they stay unique).
 */
export function renderArms(arms: readonly ArmSection[]): string {
  return arms
    .map((a, i) => {
      const id = `arm-${i}`;
      const caption = `Data drift of arm ${a.arm}`;
      return (
        `<section class="arm" id="${id}" aria-labelledby="${id}-heading"><h3 id="${id}-heading">` +
        `Experiment ${e(a.experiment)} · arm ${e(a.arm)} · version ${e(String(a.modelVersion))} · ` +
        `${e(formatCount(a.rows))} rows</h3>` +
        renderSummary(a.summary, `${id}-verdict`, 4) +
        `<h4>Data drift</h4>${renderDriftTable(a.dataDrift, a.rows, new Map(), caption)}` +
        `<h4>Prediction drift</h4>${renderPredictionDrift(a.predictionDrift, a.rows, `${id}-predictions-chart`)}` +
        `<h4>Performance</h4>${renderPerformance(a.performance, a.rows, `${id}-performance-chart`)}` +
        '</section>'
      );
    })
    .join('');
}
