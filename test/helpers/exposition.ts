// A small reader of the Prometheus text format (0.0.4) for assertions: what a
// user reads with `curl /metrics`. Strict enough to fail on what it does not
// understand, so a malformed line cannot pass unnoticed.

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedExposition {
  /** `# TYPE` per family, in order. */
  types: Map<string, string>;
  help: Map<string, string>;
  samples: ExpositionSample[];
}

const SAMPLE_RE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/;

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  while (i < text.length - 1) {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || text[eq + 1] !== '"') throw new Error(`bad label at ${i} in ${text}`);
    let j = eq + 2;
    let value = '';
    while (text[j] !== '"') {
      if (j >= text.length) throw new Error(`unterminated label value in ${text}`);
      if (text[j] === '\\') {
        const next = text[j + 1];
        value += next === 'n' ? '\n' : next;
        j += 2;
      } else value += text[j++];
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
  }
  return labels;
}

export function parseExposition(text: string): ParsedExposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: ExpositionSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      (meta[1] === 'TYPE' ? types : help).set(meta[2]!, meta[3]!);
      continue;
    }
    const m = SAMPLE_RE.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const raw = m[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`bad value in ${line}`);
    samples.push({ name: m[1]!, labels: m[2] ? parseLabels(m[2]) : {}, value });
  }
  return { types, help, samples };
}

/** The samples of one series name whose labels include `labels`. */
export function samplesOf(parsed: ParsedExposition, name: string, labels: Record<string, string> = {}): ExpositionSample[] {
  return parsed.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The one value of a series; throws when there is none or more than one. */
export function valueOf(parsed: ParsedExposition, name: string, labels: Record<string, string> = {}): number {
  const found = samplesOf(parsed, name, labels);
  if (found.length !== 1) throw new Error(`${name}${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0]!.value;
}
