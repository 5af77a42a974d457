// Results as a person reads them: aligned columns, times in ISO 8601. A column named `at` or
// `…At` is a time: a result that came through the admin socket holds its dates as strings, so
// the name, not the value, says so (and a new command's time column needs no list here).

export type Row = Record<string, unknown>;

const isTimeColumn = (column: string) => column === 'at' || /[a-z]At$/.test(column);

export const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : '-');

export function table(rows: Row[], columns: string[]): string[] {
  if (rows.length === 0) return ['(none)'];
  const cell = (row: Row, column: string) => {
    const value = row[column];
    if (isTimeColumn(column)) return iso(value);
    if (value === null || value === undefined) return '-';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  };
  const cells = rows.map((row) => columns.map((c) => cell(row, c)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] as string).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)];
}
