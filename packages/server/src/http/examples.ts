// Example values for the OpenAPI document: token-shaped, signed by no key of any deployment.
export const EXAMPLE_ACCESS =
  'eyJhbGciOiJFUzI1NiIsImtpZCI6ImstMjAyNi0wMS0wMS1hMWIyIiwidHlwIjoiSldUIn0.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwidXNlcl9pZCI6NDJ9.c2lnbmF0dXJl';
export const EXAMPLE_REFRESH =
  'eyJhbGciOiJFUzI1NiIsImtpZCI6ImstMjAyNi0wMS0wMS1hMWIyIiwidHlwIjoiSldUIn0.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsInVzZXJfaWQiOjQyfQ.c2lnbmF0dXJl';
