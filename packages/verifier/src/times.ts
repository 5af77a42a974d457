// The time claims (RFC 7519 4.1.4-4.1.6), one rule for every definition of a valid token: ours
// (validate.ts) and the old service's (the server's SimpleJWT legacy tokens).

/**
 * Why the times of a token refuse it, or null. First their sanity: exp and iat finite (JSON
 * has no Infinity, but a number too large for a double, 1e400, parses as one: an exp that
 * never expires, which every comparison with the clock lets through) and exp after iat (no
 * issuer of ours makes a token that expires before it was issued, however close to now both
 * are). Then the clock, with the leeway: exp past, iat or nbf in the future.
 */
export function timeRefusal(
  c: { exp: unknown; iat: unknown; nbf?: unknown },
  nowMs: number,
  leewayS: number,
): 'claims' | 'expired' | 'not_yet_valid' | null {
  const { exp, iat, nbf } = c;
  if (!isTime(exp) || !isTime(iat) || exp <= iat) return 'claims';
  const nowS = nowMs / 1000;
  if (nowS >= exp + leewayS) return 'expired';
  if (iat > nowS + leewayS) return 'not_yet_valid';
  if (nbf !== undefined && !(typeof nbf === 'number' && nbf <= nowS + leewayS)) return 'not_yet_valid';
  return null;
}

const isTime = (value: unknown): value is number => Number.isFinite(value);
