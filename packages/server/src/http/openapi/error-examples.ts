// An example body for each error code, as sendError (../errors.ts) writes it.
import { type ErrorCode, MESSAGES, unavailableMessage } from '@auth-service/protocol';

const DETAIL: Record<ErrorCode, string> = {
  validation_error: 'username: This field is required.',
  logout_failed: MESSAGES.logoutFailed,
  no_active_account: MESSAGES.badCredentials,
  token_not_valid: MESSAGES.tokenInvalid,
  not_authenticated: MESSAGES.notAuthenticated,
  feed_token_invalid: MESSAGES.feedTokenInvalid,
  bad_authorization_header: MESSAGES.badAuthHeader,
  user_inactive: MESSAGES.userInactive,
  not_found: MESSAGES.notFound,
  feed_disabled: MESSAGES.feedDisabled,
  discovery_disabled: MESSAGES.discoveryDisabled,
  method_not_allowed: 'Method "PUT" not allowed.',
  payload_too_large: MESSAGES.payloadTooLarge,
  unsupported_media_type: MESSAGES.unsupportedMediaType,
  throttled: MESSAGES.throttled,
  internal_error: MESSAGES.internal,
  overloaded: MESSAGES.overloaded,
  service_unavailable: unavailableMessage('database'),
  too_many_subscribers: MESSAGES.tooManySubscribers,
  bad_request: MESSAGES.badRequest,
  request_timeout: MESSAGES.requestTimeout,
  uri_too_long: MESSAGES.uriTooLong,
  headers_too_large: MESSAGES.headersTooLarge,
  method_not_implemented: MESSAGES.methodNotImplemented,
  wrong_password: MESSAGES.wrongPassword,
  session_not_found: MESSAGES.sessionNotFound,
  csrf_failed: MESSAGES.csrfFailed,
};

export function errorExample(code: ErrorCode): Record<string, string> {
  if (code === 'internal_error') return { detail: DETAIL[code], code, request_id: '5f0c7a8e-2b1d-4c3a-9e6f-0a1b2c3d4e5f' };
  if (code === 'logout_failed') return { error: DETAIL[code], code };
  if (code === 'service_unavailable') return { detail: DETAIL[code], code, dependency: 'database' };
  return { detail: DETAIL[code], code };
}
