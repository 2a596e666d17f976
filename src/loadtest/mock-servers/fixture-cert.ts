import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * TLS=1 serves the committed fixture leaf `test/fixtures/certs/valid.pem` (localhost,
 * 127.0.0.1, ::1; made by scripts/make-certs.sh) and trusts its CA through
 * `buildClients({ ca })`. The package root is found by walking up from this module, so the
 * same code works from src/ (tsx) and from dist/src/ (npm run loadtest).
 */
export interface MockCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

const CERT_DIR = join('test', 'fixtures', 'certs');
const MAX_LEVELS = 6;

export function loadMockCertificate(): MockCertificate {
  const dir = findCertDir();
  return Object.freeze({
    certPem: readFileSync(join(dir, 'valid.pem'), 'utf8'),
    keyPem: readFileSync(join(dir, 'valid-key.pem'), 'utf8'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
  });
}

function findCertDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < MAX_LEVELS; i++) {
    const candidate = join(dir, CERT_DIR);
    if (existsSync(join(candidate, 'valid.pem'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`TLS=1 needs the fixture certificates in ${CERT_DIR} (sh scripts/make-certs.sh makes them)`);
}
