// Who is asking: recorded in the audit trail, and used by the per-client login throttle.

export interface RequestContext {
  clientIp?: string;
  userAgent?: string;
}

export const CLI_CONTEXT: RequestContext = { clientIp: 'cli', userAgent: 'auth-service cli' };
/** The service's own background jobs (the purge). */
export const SYSTEM_CONTEXT: RequestContext = { clientIp: 'system', userAgent: 'auth-service purge' };

/** The clock every use case reads (tests move it). Milliseconds since the epoch. */
export type Clock = () => number;
