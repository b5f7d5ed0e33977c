/**
 * Charts with Chart.js (only the parts used are registered, so the rest is left out of the bundle),
 * drawn without animation; each canvas is an image with a label, and every chart on the dashboard has
 * its figures in a table or a list beside it.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  type ChartData,
  Chart as ChartJS,
  type ChartOptions,
  type ChartType,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  type Plugin,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

ChartJS.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);
ChartJS.defaults.animation = false;
ChartJS.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
ChartJS.defaults.color = '#1f2933';

/** Colours with at least 3:1 contrast on white (WCAG AA for graphics). */
export const COLORS = {
  edible: '#1a7f37',
  poisonous: '#b42318',
  uncertain: '#8a5a00',
  reference: '#475467',
  current: '#175cd3',
  threshold: '#b42318',
  estimated: '#6941c6',
} as const;

/** A dashed line across the chart at `value` of the `axis` scale, named `text` (a threshold). */
export function thresholdLine<T extends ChartType>(
  value: number,
  text: string,
  axis: 'x' | 'y' = 'x',
): Plugin<T> {
  return {
    id: 'thresholdLine',
    afterDatasetsDraw(chart) {
      const scale = chart.scales[axis];
      if (scale === undefined) return;
      const at = scale.getPixelForValue(value);
      const { ctx, chartArea: area } = chart;
      ctx.save();
      ctx.strokeStyle = COLORS.threshold;
      ctx.fillStyle = COLORS.threshold;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      if (axis === 'x') {
        ctx.moveTo(at, area.top);
        ctx.lineTo(at, area.bottom);
      } else {
        ctx.moveTo(area.left, at);
        ctx.lineTo(area.right, at);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = '12px system-ui, sans-serif';
      if (axis === 'x')
        ctx.fillText(text, Math.min(at + 4, area.right - ctx.measureText(text).width), area.top + 12);
      else ctx.fillText(text, area.left + 4, at - 4);
      ctx.restore();
    },
  };
}

/** One chart. `label` describes it for screen readers (the figures are also given as text nearby). */
export function Chart<T extends ChartType>({
  type,
  data,
  options,
  plugins,
  label,
  height = 260,
}: {
  type: T;
  data: ChartData<T>;
  options?: ChartOptions<T>;
  plugins?: Plugin<T>[];
  label: string;
  height?: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<ChartJS<T> | null>(null);
  useEffect(() => {
    if (canvas.current === null) return;
    chart.current = new ChartJS(canvas.current, {
      type,
      data,
      options: { responsive: true, maintainAspectRatio: false, ...options } as ChartOptions<T>,
      plugins: plugins ?? [],
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [type]);
  useEffect(() => {
    const c = chart.current;
    if (c === null) return;
    c.data = data;
    c.options = { responsive: true, maintainAspectRatio: false, ...options } as ChartOptions<T>;
    c.update();
  }, [data, options]);
  return (
    <div class="chart" style={{ height: `${height}px` }}>
      <canvas ref={canvas} role="img" aria-label={label}>
        {label}
      </canvas>
    </div>
  );
}
