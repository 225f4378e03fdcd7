// Pure readers of Redis INFO text for the metrics exposition: `commandstats`
// (calls per command) and `errorstats` (error replies per code). They read the
// lines they know wherever they are, so `INFO commandstats`, `INFO errorstats`
// or `INFO all` may be passed.

const COMMANDSTAT_RE = /^cmdstat_([^:]+):(.*)$/;
const ERRORSTAT_RE = /^errorstat_([^:]+):(.*)$/;

/** `calls=3,usec=12,...` → its numeric fields (non-numbers are left out). */
function parseFields(text: string): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const value = Number(pair.slice(eq + 1));
    if (Number.isFinite(value)) fields[pair.slice(0, eq)] = value;
  }
  return fields;
}

/**
 * The `cmd` label of a commandstats entry: lowercase (Redis 7 lowercases, 6
 * did not always), and a subcommand's `|` (`client|id`) becomes `_`
 * (`client_id`) so the value reads as one word in PromQL and in Grafana legends.
 */
export function commandLabel(name: string): string {
  return name.toLowerCase().replaceAll('|', '_');
}

/**
 * Adds up one numeric field of every `<prefix><name>:<fields>` line, keyed by
 * `label(name)`; lines without that field (or with a negative one) are skipped.
 */
function sumStatLines(infoText: string, re: RegExp, field: string, label: (name: string) => string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const raw of infoText.split('\n')) {
    const match = re.exec(raw.trim());
    if (!match) continue;
    const n = parseFields(match[2]!)[field];
    if (n === undefined || n < 0) continue;
    const key = label(match[1]!);
    totals[key] = (totals[key] ?? 0) + n;
  }
  return totals;
}

/** `cmdstat_get:calls=3,usec=...` lines → calls per command label. */
export function parseCommandStats(infoText: string): Record<string, number> {
  return sumStatLines(infoText, COMMANDSTAT_RE, 'calls', commandLabel);
}

/**
 * `errorstat_OOM:count=2` lines → count per error code, the code as Redis
 * writes it (OOM, ERR, NOSCRIPT...). Redis tracks at most 128 codes, so the
 * label stays bounded.
 */
export function parseErrorStats(infoText: string): Record<string, number> {
  return sumStatLines(infoText, ERRORSTAT_RE, 'count', (code) => code);
}
