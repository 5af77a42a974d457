// Input rules shared by the HTTP schemas (as formats), the CLI and the client, so that every
// door refuses the same things.
import { PASSWORD_MAX, PASSWORD_MIN_NEW, USERNAME_MAX } from './limits.js';

/** Text we store or compare: well-formed Unicode (no lone surrogates), no NUL or other C0 controls. */
export function isSafeText(value: string): boolean {
  return value.isWellFormed() && !CONTROL.test(value);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A password may hold any character but NUL (C strings end there) and must be well-formed Unicode. */
export function isSafePassword(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
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
  if (!isSafePassword(password)) return 'Must not contain NUL or invalid Unicode.';
  return null;
}

/** The string formats the request schemas name, for a JSON-schema validator to register. */
export const FORMATS = { 'safe-text': isSafeText, 'safe-password': isSafePassword } as const;
