// Input rules shared by the HTTP schemas and the CLI, so both refuse the same things.

export const USERNAME_MAX = 150; // Django's limit, so imported usernames fit
export const PASSWORD_MAX = 1024; // long passphrases welcome; bounded so hashing cost is bounded
export const PASSWORD_MIN_NEW = 8; // for new passwords only (NIST SP 800-63B 5.1.1.2); login accepts any

/** Text we store or compare: well-formed Unicode (no lone surrogates), no NUL or other C0 controls. */
export function isSafeText(value: string): boolean {
  return value.isWellFormed() && !/[\u0000-\u001f\u007f]/.test(value);
}

/** Why a username is refused, or null. */
export function usernameProblem(username: string): string | null {
  if (username.length === 0) return 'This field may not be blank.';
  if (username.length > USERNAME_MAX) return `Ensure this field has no more than ${USERNAME_MAX} characters.`;
  if (!isSafeText(username)) return 'Must not contain control characters or invalid Unicode.';
  if (username.trim() !== username) return 'Must not start or end with white space.';
  return null;
}

/** Why a new password is refused, or null. */
export function newPasswordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_NEW) return `Ensure this field has at least ${PASSWORD_MIN_NEW} characters.`;
  if (password.length > PASSWORD_MAX) return `Ensure this field has no more than ${PASSWORD_MAX} characters.`;
  if (!password.isWellFormed() || password.includes('\u0000')) return 'Must not contain NUL or invalid Unicode.';
  return null;
}
