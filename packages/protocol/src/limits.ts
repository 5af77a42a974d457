// Size limits, the same at every door: the HTTP schemas, the CLI, the token validation.

/** Longest token text accepted anywhere: ours are ~500 characters; bounded so parsing is cheap. */
export const TOKEN_MAX_LENGTH = 4096;
/** Django's limit, so that usernames imported from the original service fit. */
export const USERNAME_MAX = 150;
/** Long passphrases welcome; bounded so that the cost of hashing one is bounded. */
export const PASSWORD_MAX = 1024;
/** For new passwords only (NIST SP 800-63B 5.1.1.2); a login accepts any length up to the max. */
export const PASSWORD_MIN_NEW = 8;
