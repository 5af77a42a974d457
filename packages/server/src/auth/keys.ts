// Operator use cases on signing keys.
import { rotateSigningKey } from '../crypto/key-ring.js';
import { listSigningKeys } from '../db/repos/signing-keys.js';
import type { AuthDeps, RequestContext } from './deps.js';

export interface KeyInfo {
  kid: string;
  alg: string;
  state: string;
  createdAt: Date;
  retiredAt: Date | null;
  encrypted: boolean;
}

export async function rotateKeys(deps: AuthDeps, ctx: RequestContext) {
  const { jwt } = deps.config;
  const result = await rotateSigningKey(deps.db, {
    algorithm: jwt.algorithm,
    keyEncryptionSecret: jwt.keyEncryptionSecret,
    retentionMs: 0,
    now: deps.now,
  });
  await deps.keys.reload();
  await deps.audit.record('key_rotated', {}, ctx, result);
  return result;
}

export async function listKeys(deps: AuthDeps): Promise<KeyInfo[]> {
  const rows = await listSigningKeys(deps.db);
  return rows.map((row) => ({
    kid: row.kid,
    alg: row.alg,
    state: deps.keys.stateOf(row),
    createdAt: row.createdAt,
    retiredAt: row.retiredAt,
    encrypted: row.privateJwk.startsWith('enc:'),
  }));
}
