/**
 * Credentials by reference: `${env:NAME}` and `${file:/run/secrets/x}` inside a config value
 * or an API body stand for the variable's value or the file's content. References are
 * resolved when the definition is loaded (start, SIGHUP, an API write, a restart reading
 * stored targets) — never stored resolved: the store, the config file and every API answer
 * keep the reference, and a resolved value is redacted wherever it could show up.
 *
 * Why load time and not check time: a missing variable or unreadable file is then an error
 * naming the field (exit 2, a refused target, a 400), not a stream of failing checks; and
 * the hot path reads no files. A rotated secret is picked up by SIGHUP (config targets) or
 * by a PUT/PATCH or a restart (API targets).
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/** Where references are resolved from. Tests pass their own environment. */
export interface SecretSource {
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Secret files larger than this are refused (a secret is a line, not a document). */
const MAX_SECRET_FILE_BYTES = 64 * 1024;
const REFERENCE = /\$\{(env|file):([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Resolved = { readonly ok: true; readonly value: string; readonly secrets: readonly string[] } | { readonly ok: false; readonly message: string };

function hasReference(text: string): boolean {
  return text.includes('${env:') || text.includes('${file:');
}

/**
 * Replaces every reference in `text`. `secrets` lists the values that came from references
 * (so they can be redacted wherever they appear). The message of a failure never contains
 * a resolved value, only the reference.
 */
export function resolveReferences(text: string, source: SecretSource): Resolved {
  if (!hasReference(text)) return { ok: true, value: text, secrets: [] };
  const secrets: string[] = [];
  let failure: string | null = null;
  const value = text.replace(REFERENCE, (ref: string, kind: string, arg: string) => {
    if (failure !== null) return ref;
    const one = kind === 'env' ? fromEnv(arg, source) : fromFile(arg);
    if (typeof one !== 'string') {
      failure = one.message;
      return ref;
    }
    secrets.push(one);
    return one;
  });
  if (failure !== null) return { ok: false, message: failure };
  return { ok: true, value, secrets };
}

function fromEnv(name: string, source: SecretSource): string | { message: string } {
  if (!ENV_NAME.test(name)) return { message: `\${env:${name}}: expected an environment variable name such as API_TOKEN` };
  const value = source.env[name];
  if (value === undefined || value === '') return { message: `\${env:${name}}: environment variable ${name} is not set` };
  return value;
}

function fromFile(path: string): string | { message: string } {
  if (!isAbsolute(path)) return { message: `\${file:${path}}: expected an absolute path such as /run/secrets/api-token` };
  try {
    if (statSync(path).size > MAX_SECRET_FILE_BYTES) return { message: `\${file:${path}}: the file is larger than ${MAX_SECRET_FILE_BYTES} bytes` };
    // One trailing newline is how editors and `echo` end a file; it is not part of the secret.
    const value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    if (value === '') return { message: `\${file:${path}}: the file is empty` };
    return value;
  } catch (err) {
    return { message: `\${file:${path}}: cannot read the file (${(err as { code?: string }).code ?? 'error'})` };
  }
}
