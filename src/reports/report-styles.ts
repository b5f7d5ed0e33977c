/** The report's whole style sheet, inlined in its `<style>`: system fonts, no external resource. */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1c1c1c;
  background: #fff; margin: 0 auto; padding: 16px 24px 48px; max-width: 1180px; }
h1 { font-size: 1.6em; margin: 0.2em 0; }
h2 { font-size: 1.25em; margin: 1.6em 0 0.5em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.08em; margin: 1.2em 0 0.4em; }
.meta, .note { color: #555; }
.note { font-size: 0.92em; margin: 0.3em 0; }
.note.safety { color: #8a1c14; font-weight: 600; }
.verdict { border: 2px solid; border-radius: 6px; padding: 10px 16px; margin: 12px 0 8px; }
.verdict h2 { border: 0; margin: 0.1em 0 0.3em; }
.verdict-ok { border-color: #2e7d32; background: #edf7ee; }
.verdict-warning { border-color: #b26a00; background: #fff6e5; }
.verdict-alert { border-color: #b3261e; background: #fdecea; }
.badge { display: inline-block; min-width: 4.6em; text-align: center; font-size: 0.8em; font-weight: 700;
  text-transform: uppercase; border-radius: 3px; padding: 0 4px; margin-right: 6px; color: #fff; }
.badge-ok, .badge-info, .badge-resolved, .badge-inactive { background: #2e7d32; }
.badge-warning, .badge-pending { background: #b26a00; }
.badge-alert, .badge-critical, .badge-firing { background: #b3261e; }
.reasons { margin: 0; padding-left: 0; list-style: none; }
.reasons li { margin: 0.25em 0; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.93em; }
th, td { border: 1px solid #d6d6d6; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.drifted td, tr.firing td { background: #fdecea; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 20px; }
figure { margin: 8px 0; border: 1px solid #e3e3e3; border-radius: 4px; padding: 6px 8px; max-width: 100%; }
figcaption { font-size: 0.9em; max-width: 560px; }
figcaption strong { font-weight: 600; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #333; }
svg.chart .axis-label { font-weight: 600; }
.arm { border-left: 4px solid #5b7083; padding-left: 14px; margin-top: 18px; }
details summary { cursor: pointer; color: #1f5fa8; }
@media print { details { display: block; } .charts { display: block; } }
`;
