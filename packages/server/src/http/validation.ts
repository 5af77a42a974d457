// Turns schema validation failures into one 400 whose `detail` names the field, plus the
// per-field lists clients of the original (DRF) service read: {"password": ["This field is required."]}.

import { MESSAGES } from '@auth-service/protocol';
import type { FastifyError } from 'fastify';
import { AuthError } from '../errors.js';

type AjvError = NonNullable<FastifyError['validation']>[number] & { data?: unknown };

export function validationError(err: FastifyError): AuthError {
  const fields: Record<string, string[]> = {};
  for (const issue of (err.validation ?? []) as AjvError[]) {
    const [field, message] = describe(issue);
    fields[field] = [...(fields[field] ?? []), message];
  }
  const detail = Object.entries(fields)
    .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
    .join('; ');
  return new AuthError('validation_error', detail || MESSAGES.invalidBody, { fields });
}

function describe(issue: AjvError): [string, string] {
  const params = issue.params as Record<string, unknown>;
  const field = issue.instancePath.replace(/^\//, '') || String(params.missingProperty ?? 'non_field_errors');
  switch (issue.keyword) {
    case 'required':
      return [field, 'This field is required.'];
    case 'minLength':
      return [field, 'This field may not be blank.'];
    case 'maxLength':
      return [field, `Ensure this field has no more than ${params.limit} characters.`];
    case 'format':
      return [field, 'Must not contain NUL, control characters or invalid Unicode.'];
    case 'type':
      if (field === 'non_field_errors') return [field, 'Invalid data. Expected a JSON object.'];
      return [field, issue.data === null ? 'This field may not be null.' : 'Not a valid string.'];
    default:
      return [field, issue.message ?? 'Invalid value.'];
  }
}
