/**
 * YAML text → the plain tree the config schema validates, cheaply when the file is plain.
 *
 * The `yaml` library's document model is what gives the loader its line/column errors,
 * duplicate-key refusal and alias-expansion limit, and it costs ~110 µs of CPU per target
 * line (100,000 targets: ~11 s per node, ~9 s of it the lexer and parser alone). js-yaml
 * reads the same file in ~1/15 of that. So:
 * - a file with no alias (`*name`) is read by js-yaml with a schema that resolves plain
 *   scalars exactly as the `yaml` library's YAML 1.2 core schema does (null, bool, int
 *   decimal/0o/0x, float, .inf/.nan; no timestamps, no `<<` merge, no `1_000`);
 * - anything js-yaml refuses (bad syntax, a duplicate key, an unknown tag, a second
 *   document, nesting deeper than its limit), a file that may hold an alias, or a tree in
 *   which one collection is reached twice, is read again with the `yaml` document model,
 *   which reports it as before (position, alias limit).
 * The error path is therefore unchanged; only a valid file without aliases takes the fast one.
 */
import jsyaml from 'js-yaml';
import { parseDocument } from 'yaml';

/** Alias expansions allowed in one file: plenty for anchors reused by hand, far below a bomb. */
const MAX_ALIAS_COUNT = 1_000;

export type YamlTree = { ok: true; tree: unknown } | { ok: false; kind: 'syntax' | 'aliases'; message: string };

// The `yaml` library's core-schema resolvers (yaml/dist/schema/core/*.js), for js-yaml.
const scalar = (tag: string, test: RegExp, construct: (s: string) => unknown) =>
  new jsyaml.Type(`tag:yaml.org,2002:${tag}`, { kind: 'scalar', resolve: (s: string | null) => s !== null && test.test(s), construct });
const CORE_AS_YAML = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    new jsyaml.Type('tag:yaml.org,2002:null', { kind: 'scalar', resolve: (s: string | null) => s === null || /^(?:~|[Nn]ull|NULL)?$/.test(s), construct: () => null }),
    scalar('bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'),
    scalar('int', /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+)$/, (s) =>
      s.startsWith('0o') ? parseInt(s.substring(2), 8) : s.startsWith('0x') ? parseInt(s.substring(2), 16) : parseInt(s, 10),
    ),
    scalar('float', /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/, (s) =>
      /^[-+]?\.(?:inf|Inf|INF)$/.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : /^\.(?:nan|NaN|NAN)$/.test(s) ? NaN : parseFloat(s),
    ),
  ],
});

/**
 * Where an alias may start: after a space, a line start or a flow indicator. A `*` there
 * inside a quoted or plain string is a false alarm that only costs the slow path.
 */
const MAY_HOLD_ALIAS = /(?:^|[\s[{,:])\*[^\s[\]{},]/m;

/** True when no object or array is reached twice (js-yaml shares an aliased collection). */
function isTree(root: unknown): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (seen.has(node)) return false;
    seen.add(node);
    for (const child of Array.isArray(node) ? node : Object.values(node)) if (child !== null && typeof child === 'object') stack.push(child);
  }
  return true;
}

function fast(text: string): { tree: unknown } | null {
  if (MAY_HOLD_ALIAS.test(text)) return null;
  let tree: unknown;
  try {
    tree = jsyaml.load(text, { schema: CORE_AS_YAML });
  } catch {
    return null;
  }
  return isTree(tree) ? { tree } : null;
}

/** The document model: every refusal with its position, and the alias-expansion limit. */
function thorough(text: string): YamlTree {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const pos = yamlError.linePos?.[0];
    const where = pos === undefined ? '' : ` at line ${pos.line}, column ${pos.col}`;
    const reason = (yamlError.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    return { ok: false, kind: 'syntax', message: `not valid YAML${where}: ${reason}` };
  }
  try {
    return { ok: true, tree: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    // The yaml library refuses an alias bomb ("billion laughs") with a ReferenceError.
    return { ok: false, kind: 'aliases', message: `YAML aliases expand too far (${err instanceof Error ? err.message : String(err)}); write the values out or use fewer aliases` };
  }
}

/** `via` says which reader produced the tree (for tests and benches). */
export function readYamlTree(text: string): YamlTree & { via: 'js-yaml' | 'yaml' } {
  const quick = fast(text);
  if (quick !== null) return { ok: true, tree: quick.tree, via: 'js-yaml' };
  return { ...thorough(text), via: 'yaml' };
}
