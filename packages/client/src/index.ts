// @auth-service/client: the frontend SDK (see README.md).
export {
  type AuthClient,
  type AuthClientOptions,
  createAuthClient,
  type Listener,
  type SessionInfo,
  type User,
} from './client.js';
export { AuthError, type AuthErrorCode } from './errors.js';
export type { AuthState } from './session.js';
export type { StorageLike, StorageOption } from './storage.js';
