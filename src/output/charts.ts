// Small pure chart renderers shared by state, ph and watch.

const SPARK = '▁▂▃▄▅▆▇█';

/** A sparkline of the values, one character each (the last `width` values). */
export function sparkline(values: readonly number[], width = values.length): string {
  const v = values.slice(-width);
  if (v.length === 0) return '';
  const min = Math.min(...v);
  const max = Math.max(...v);
  return v.map((x) => SPARK[max === min ? 0 : Math.round(((x - min) / (max - min)) * (SPARK.length - 1))]).join('');
}

/** A horizontal bar of `width` cells for value/max (eighth-block resolution). */
export function bar(value: number, max: number, width: number): string {
  if (width <= 0) return '';
  const ratio = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
  const eighths = Math.round(ratio * width * 8);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  const partial = part > 0 ? '▏▎▍▌▋▊▉'[part - 1]! : '';
  return ('█'.repeat(full) + partial).padEnd(width, ' ');
}

/** The same bar in plain ASCII for logs: `#####.....`. */
export function asciiBar(value: number, max: number, width: number): string {
  const ratio = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
  const filled = Math.round(ratio * width);
  return '#'.repeat(filled) + '.'.repeat(width - filled);
}
