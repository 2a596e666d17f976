import type { TlsInfo } from '../domain/check-result.js';

/** Rows written before the chain fields existed read as "not known" rather than undefined. */
const NO_CHAIN = Object.freeze({ chainExpiresAt: null, chainDaysRemaining: null, chain: null });

/** A result's TLS information from its stored JSON (every store interns it as JSON). */
export function readStoredTls(json: string): TlsInfo {
  return { ...NO_CHAIN, ...(JSON.parse(json) as Partial<TlsInfo>) } as TlsInfo;
}
