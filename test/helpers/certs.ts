import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The committed TLS fixtures made by scripts/make-certs.sh (see docs/testing.md). Every leaf
 * except `wrong-host` covers localhost, 127.0.0.1 and ::1. `chained` is the leaf followed by its
 * intermediate CA (which expires in 2080, before the leaf's 2100).
 */
export type FixtureCertName = 'valid' | 'expired' | 'not-yet-valid' | 'wrong-host' | 'self-signed' | 'untrusted' | 'chained';

export interface FixtureCert {
  readonly key: string;
  readonly cert: string;
}

/**
 * The one lookup of the fixture certificates, for tests and bench/ alike. They live in the
 * repository, not in dist/: the benchmarks run from dist/bench and load this file from
 * dist/test/helpers, so resolve from either place.
 */
const CERTS_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/test/helpers/') ? '../../../test/fixtures/certs/' : '../fixtures/certs/', import.meta.url));

function read(file: string): string {
  return readFileSync(`${CERTS_DIR}${file}`, 'utf8');
}

export function fixtureCert(name: FixtureCertName): FixtureCert {
  return { key: read(`${name}-key.pem`), cert: read(`${name}.pem`) };
}

/** The test root CA (PEM) that signed valid, expired, not-yet-valid and wrong-host. */
export function fixtureCa(): string {
  return read('ca.pem');
}

/** The path of a fixture file (for servers run as child processes: nginx, nghttpd). */
export function fixtureCertPath(file: string): string {
  return `${CERTS_DIR}${file}`;
}
