// The password hash we store: argon2id at OWASP's parameters (m = 19 MiB, t = 2, p = 1),
// defined once. A stored hash with other parameters (older, weaker) is rehashed at the next
// login, so the prefix below must be derived from the very parameters the threads hash with.
import { Algorithm } from '@node-rs/argon2';

export const ARGON2 = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** How every hash made with ARGON2 begins (PHC string format). */
export const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=${ARGON2.parallelism}$`;
