// How CLI results are shown: a short human line or table, or JSON with --json.

const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : '-');

export function print(command: string, result: unknown, json: boolean): void {
  if (json) return void process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const r = result as Record<string, unknown>;
  const lines: Record<string, () => string[]> = {
    'user.create': () => [`created user id ${r.id}`],
    'user.set-password': () => [`password changed; ${r.sessionsRevoked} session(s) revoked`],
    'user.disable': () => [`user disabled; ${r.sessionsRevoked} session(s) revoked`],
    'user.enable': () => ['user enabled'],
    'user.list': () => table(result as Row[], ['id', 'username', 'isActive', 'createdAt']),
    migrate: () => [(r.applied as string[]).length ? `applied: ${(r.applied as string[]).join(', ')}` : 'database is up to date'],
    'keys.rotate': () => [
      `new key ${r.next}, published now, signs from ${iso(r.signsFrom)}`,
      ...(r.retiring as string[]).map((kid) => `${kid} stops signing then (still verifying until its tokens expire)`),
    ],
    'keys.list': () => table(result as Row[], ['kid', 'alg', 'state', 'createdAt', 'activatesAt', 'retiredAt', 'encrypted']),
    'tokens.flush-expired': () => [
      `deleted ${r.sessions} expired session(s), ${r.throttleRows} throttle counter(s), ${r.auditEvents} old audit event(s)`,
    ],
    audit: () => table(result as Row[], ['at', 'event', 'username', 'userId', 'clientIp', 'userAgent', 'details']),
  };
  process.stdout.write(`${(lines[command]?.() ?? [JSON.stringify(result)]).join('\n')}\n`);
}

type Row = Record<string, unknown>;

function table(rows: Row[], columns: string[]): string[] {
  if (rows.length === 0) return ['(none)'];
  const cell = (row: Row, column: string) => {
    const value = row[column];
    if (column === 'createdAt' || column === 'retiredAt' || column === 'at') return iso(value);
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
