// Durations as operators write them: "90" (in the default unit), "250ms", "90s", "5m", "1h",
// "1d". The one parser, for the settings and the CLI's relative times ("24h" ago).

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export type DurationUnit = keyof typeof UNITS;

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;

/** Milliseconds, or null when `text` is not a duration. */
export function parseDuration(text: string, defaultUnit: DurationUnit = 's'): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * UNITS[(match[2] as DurationUnit | undefined) ?? defaultUnit]);
}

/**
 * Milliseconds of a duration written with its unit ("30m", "24h", "250ms"), or null: a bare
 * number is not a duration here (the CLI's "--since 2026" is a year, not 2026 seconds ago).
 */
export function parseDurationWithUnit(text: string): number | null {
  return DURATION.exec(text.trim())?.[2] ? parseDuration(text) : null;
}
