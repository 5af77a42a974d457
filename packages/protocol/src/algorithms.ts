// The signature algorithms a token may carry: an allow-list (RFC 8725 3.1). A key is used with
// exactly one of them, and a token's header must name that one.

export const ALGORITHMS = ['ES256', 'HS256'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export function isAlgorithm(value: unknown): value is Algorithm {
  return (ALGORITHMS as readonly unknown[]).includes(value);
}
