// @auth-service/verifier/testing: the forged-token table and its building blocks, for tests.
export * from './forge.js';
export * from './forgeries.js';
