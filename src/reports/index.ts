/**
 * Reports: pure functions that turn monitoring data into one self-contained HTML string (inline CSS and
 * SVG, no script, nothing fetched). No file, network or database access: the caller writes the string.
 */
export { escapeHtml } from './html-escape.js';
export type {
  AlertSeverity,
  AlertState,
  ArmSection,
  CategoricalDistribution,
  DataDriftSection,
  EstimatedPerformance,
  FeatureDistribution,
  FeatureDriftRow,
  LabelledPerformance,
  MonitoringReport,
  NumericDistribution,
  PerformanceBucket,
  PerformanceSection,
  PredictionDriftSection,
  PredictionShares,
  ReferenceDescription,
  ReferenceSplit,
  ReportAlert,
  ReportModel,
  ReportModelVersion,
  ReportSummary,
  ReportWindow,
  Verdict,
  VerdictReason,
  VerdictReasonKind,
} from './monitoring-report-types.js';
export {
  REPORT_CSP,
  type RenderReportOptions,
  renderMonitoringReport,
} from './render-monitoring-report.js';
export { orderReasons } from './render-summary.js';
export { type BarChartSpec, type BarSeries, svgBarChart } from './svg-bar-chart.js';
export { type HistogramSpec, svgHistogram } from './svg-histogram.js';
export { type LineChartSpec, type LineSeries, svgLineChart } from './svg-line-chart.js';
