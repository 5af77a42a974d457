// Keeps the failure floor of password checks (crypto/failure-floor.ts) in step with the users
// table: one stored hash of each class that is not ours is timed, with the dummy. At start-up,
// then every FLOOR_RECALIBRATION_MS, so that an import made by another process is seen.
import { CURRENT_PREFIX } from '../crypto/argon2.js';
import type { PasswordHasher } from '../crypto/passwords.js';
import type { Database } from '../db/port.js';
import { legacyHashSamples } from '../db/repos/imported-users.js';

export const FLOOR_RECALIBRATION_MS = 5 * 60_000;

export async function calibrateFailureFloor(deps: { db: Database; passwords: Pick<PasswordHasher, 'calibrate'> }) {
  return deps.passwords.calibrate(await legacyHashSamples(deps.db, CURRENT_PREFIX));
}
