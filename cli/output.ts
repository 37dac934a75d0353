/** How results are printed: `--json` for scripts (one JSON document on stdout), else for people. */

export interface Output {
  json: boolean;
  out(text: string): void;
  err(text: string): void;
}

export const stdio = (json: boolean): Output => ({
  json,
  out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
});

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}

/** Columns padded to their widest cell. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `a.b: value` lines for a nested object. */
export function keyValueLines(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || (Array.isArray(value) && value.length === 0)) {
    return [`${prefix}: ${Array.isArray(value) ? '[]' : String(value)}`];
  }
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object'))
    return [`${prefix}: ${value.join(', ')}`];
  return Object.entries(value).flatMap(([key, item]) => keyValueLines(item, prefix ? `${prefix}.${key}` : key));
}
