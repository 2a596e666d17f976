import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { readYamlTree } from './yaml-tree.js';

/** what the config loader read before (the `yaml` document model alone) */
const reference = (text: string): unknown => parseDocument(text, { uniqueKeys: true }).toJS({ maxAliasCount: 1_000 });

test('plain scalars resolve exactly as the yaml library core schema does (js-yaml path)', () => {
  const values = [
    '5', '+5', '-0', '007', '0o17', '0x1F', '0b101', '1_000', '1.5', '.5', '5.', '1e3', '-1.5E-2', '.inf', '-.Inf', '+.INF', '.nan', '.NaN',
    'true', 'True', 'TRUE', 'false', 'yes', 'no', 'on', 'off', 'y', '~', 'null', 'Null', 'NULL', '', '2020-01-01', '2020-01-01T00:00:00Z',
    '1:30', '0o8', '0xZ', '"5"', "'true'", 'hello world', '12345678901234567890', '!!str 5',
  ];
  const text = `a:\n${values.map((v, i) => `  k${i}: ${v}`).join('\n')}\nlist: [1, x, ~, 2.5, "q"]\nbase: {m: 1}\nmerged: {<<: {n: 2}}\n`;
  const read = readYamlTree(text);
  assert.equal(read.via, 'js-yaml');
  assert.equal(read.ok, true);
  assert.deepEqual(read.ok ? read.tree : null, reference(text));
});

test('a file that may hold an alias, or that js-yaml refuses, is read by the yaml document model as before', () => {
  const aliased = 'base: &b { url: "http://x/" }\ntargets:\n  - { name: a, check: *b }\n  - { name: b, check: *b }\n';
  const withAlias = readYamlTree(aliased);
  assert.equal(withAlias.via, 'yaml');
  assert.deepEqual(withAlias.ok ? withAlias.tree : null, reference(aliased));

  const duplicate = readYamlTree('targets: []\nprobe: {}\ntargets: []\n');
  assert.equal(duplicate.via, 'yaml');
  assert.deepEqual(duplicate.ok ? null : [duplicate.kind, duplicate.message], ['syntax', 'not valid YAML at line 3, column 1: Map keys must be unique']);

  const broken = readYamlTree('targets:\n  - { name: a\n');
  assert.equal(broken.via, 'yaml');
  assert.equal(broken.ok ? null : broken.kind, 'syntax');
  assert.match(broken.ok ? '' : broken.message, /^not valid YAML at line \d+, column \d+: /);

  const twoDocs = readYamlTree('a: 1\n---\nb: 2\n');
  assert.equal(twoDocs.via, 'yaml');
  assert.equal(twoDocs.ok, false);

  // a `*` that is not an alias only costs the slow path; the tree is the same
  const starry = 'name: "a *b"\ncron: "*/5 * * * *"\n';
  assert.deepEqual(readYamlTree(starry).ok ? (readYamlTree(starry) as { tree: unknown }).tree : null, reference(starry));
});

test('an alias bomb is refused by the alias limit, not expanded', () => {
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  const bomb = readYamlTree(`${levels.join('\n')}\n`);
  assert.equal(bomb.via, 'yaml');
  assert.equal(bomb.ok ? null : bomb.kind, 'aliases');
});
