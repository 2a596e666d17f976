import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBadge, statusBadgeColor, uptimeBadgeColor } from './badge.js';

describe('badges', () => {
  it('cuts long text at 40 characters, drops bidi controls, escapes the rest', () => {
    const svg = renderBadge(`${'a'.repeat(50)}`, '\u202Egnp.exe <b>&', 'red');
    assert.match(svg, new RegExp(`>${'a'.repeat(39)}…</text>`));
    assert.match(svg, />gnp\.exe &lt;b&gt;&amp;<\/text>/);
    assert.doesNotMatch(svg, /\u202E|<b>/);
    assert.match(svg, /fill="#e05d44"/);
  });

  it('grows with its text and keeps the shields.io height', () => {
    const short = /width="(\d+)" height="20"/.exec(renderBadge('a', 'up', 'green'))?.[1];
    const long = /width="(\d+)" height="20"/.exec(renderBadge('a much longer label', 'up', 'green'))?.[1];
    assert.ok(Number(long) > Number(short) + 50, `${short} vs ${long}`);
  });

  it('colours by state and by uptime', () => {
    assert.deepEqual(
      (['up', 'degraded', 'down', 'error', 'unknown', 'paused'] as const).map((s) => statusBadgeColor(s, false)),
      ['green', 'yellow', 'red', 'red', 'grey', 'grey'],
    );
    assert.equal(statusBadgeColor('down', true), 'blue');
    assert.deepEqual([100, 99.9, 99.5, 96, 80, null].map(uptimeBadgeColor), ['green', 'green', 'lightgreen', 'yellow', 'red', 'grey']);
  });
});
