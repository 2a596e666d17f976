import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, html } from './html-escape.js';
import { niceCeiling, renderLatencyChart } from './latency-chart.js';
import { renderStatusPage } from './render-status-page.js';
import type { StatusModel } from './status-model.js';
import { bucketClass } from './uptime-bars.js';

const NOW = Date.UTC(2026, 0, 2, 12, 0, 0);

function model(name: string): StatusModel {
  return {
    title: 'Vigil status',
    generatedAt: NOW,
    bucketUnit: 'hour',
    hiddenTargets: 0,
    targets: [
      {
        id: 'a"b',
        name,
        kind: 'http',
        rhythm: null,
        tags: ['<b>tag</b>'],
        state: 'down',
        lastCheckedAt: NOW - 5_000,
        lastProblem: 'refused <script>',
        uptime: { '24h': 99.5, '7d': 99.999, '30d': 100, '90d': null },
        inMaintenance: true,
        buckets: [{ startMs: NOW - 3_600_000, upPct: 50, checks: 2, maintenance: 0 }, { startMs: NOW, upPct: null, checks: 0, maintenance: 3 }],
        latency: [
          { atMs: NOW - 60_000, dnsMs: 1, connectMs: 2, tlsMs: null, ttfbMs: 10, receiveMs: 1 },
          { atMs: NOW, dnsMs: null, connectMs: 3, tlsMs: null, ttfbMs: 12, receiveMs: null },
        ],
        lastProbeDegraded: [],
        probeDegradedResults: 0,
        recentResults: 2,
      },
    ],
    maintenanceNow: [{ title: '<u>db</u>', startMs: NOW - 60_000, endMs: NOW + 60_000, scope: 'tagged <db>' }],
    maintenanceUpcoming: [{ title: 'later', startMs: NOW + 86_400_000, endMs: NOW + 90_000_000, scope: 'all targets' }],
    regionsWithoutLiveNode: [],
    incidents: [{ id: 7, targetId: 'a"b', hasTargetPage: true, regions: null, targetName: '<i>x</i>', startedAt: NOW - 60_000, endedAt: null, errorKind: 'connection_refused', detail: '<detail>', openedWhileProbeDegraded: false }],
  };
}

describe('status page rendering', () => {
  it('escapes every user-controlled string', () => {
    const page = renderStatusPage(model('<script>alert(1)</script>'));
    assert.doesNotMatch(page, /<script>|<b>tag|<i>x|<detail>|refused <script>|<u>db|<db>/);
    assert.match(page, /Maintenance in progress.*&lt;u&gt;db&lt;\/u&gt;.*tagged &lt;db&gt;/s);
    assert.match(page, /Upcoming maintenance.*later.*all targets: 2026-01-03 12:00 to 2026-01-03 13:00 UTC/s);
    assert.match(page, /state-maintenance/);
    assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(page, /data-target-id="a&quot;b"/);
    assert.match(page, /aria-label="Latency by phase for &lt;script&gt;/);
  });

  it('is a complete document with a viewport meta and no external references', () => {
    const page = renderStatusPage(model('web'));
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.doesNotMatch(page, /\bsrc=/);
    const hrefs = [...page.matchAll(/\bhref="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(hrefs)].sort(), ['/', '/incidents', '/status/a%22b'], 'only links to our own pages');
  });

  it('states uptime per window (a loss never rounds up to 100 %) and that maintenance is left out', () => {
    const page = renderStatusPage(model('web'));
    assert.match(page, /data-window="24h"><span class="uptime-window">24 h<\/span> <b>99.50 %<\/b>/);
    assert.match(page, /data-window="7d"><span class="uptime-window">7 d<\/span> <b>99.99 %<\/b>/);
    assert.match(page, /data-window="30d"><span class="uptime-window">30 d<\/span> <b>100.00 %<\/b>/);
    assert.match(page, /data-window="90d"><span class="uptime-window">90 d<\/span> <b>—<\/b>/);
    assert.match(page, /uptime leaves out checks made during maintenance windows/);
    assert.match(page, /<rect class="bar maint"[^>]*><title>2026-01-02 12:00 UTC: no data; 3 checks in maintenance, not counted<\/title>/);
    assert.match(page, /data-bars="hour">Bars: <a href="\/">last 90 days<\/a> · <span class="toggle-on" aria-current="true">last 90 hours<\/span>/);
  });

  it('flags results and incidents taken while the probe was degraded, and nothing when it was not', () => {
    const clean = renderStatusPage(model('web'));
    assert.doesNotMatch(clean, /data-probe-degraded|overloaded/);
    const base = model('web');
    const target = { ...(base.targets[0] as StatusModel['targets'][number]), lastProbeDegraded: ['scheduling_lag', 'loop_delay'] as const, probeDegradedResults: 7, recentResults: 40 };
    const incident = { ...(base.incidents[0] as StatusModel['incidents'][number]), openedWhileProbeDegraded: true };
    const page = renderStatusPage({ ...base, targets: [target], incidents: [incident] });
    assert.match(page, /<div class="meta probe-degraded" data-probe-degraded="last">Last check taken while the probe was overloaded \(the check started late; the probe&#39;s event loop was behind\): its timings include the probe's own delay\.<\/div>/);
    assert.match(page, /data-probe-degraded="recent">7 of 40 checks in the last 6 h were taken while the probe was overloaded\./);
    assert.match(page, /<span class="probe-degraded" data-probe-degraded="incident">\(opened only by checks taken while the probe was overloaded: the probe may be the cause\)<\/span><\/td>/);
  });

  it('adds a Regions column only when an incident has regions, and links only targets that still exist', () => {
    const base = model('web');
    const incident = base.incidents[0] as StatusModel['incidents'][number];
    assert.doesNotMatch(renderStatusPage(base), /<th>Regions<\/th>/);
    const regions = { quorum: 'majority', required: 2, verdicts: { 'ap-1': 'no_live_node', 'eu-west': 'down', us: 'down' } } as const;
    const page = renderStatusPage({ ...base, incidents: [{ ...incident, regions }, { ...incident, id: 8, targetId: 'gone', targetName: 'Gone', hasTargetPage: false }] });
    assert.match(page, /<th>Cause<\/th><th>Regions<\/th>/);
    assert.match(page, /data-incident-id="7">.*<td class="regions" data-regions-down="eu-west,us">down in eu-west, us; up in none; no live node: ap-1 \(quorum majority: 2 of 2 regions\)<\/td><\/tr>/);
    // an incident stored without regions (one node's, or older) still renders: a dash
    assert.match(page, /data-incident-id="8">.*<td class="regions" title="not recorded[^"]*">—<\/td><\/tr>/);
    assert.match(page, /data-incident-id="8"><td>Gone<\/td>/);
    assert.match(page, /data-incident-id="7"><td><a href="\/status\/a%22b">&lt;i&gt;x&lt;\/i&gt;<\/a><\/td>/);
  });

  it('names the regions without a live node in a banner (many nodes), escaped; nothing for one node alone', () => {
    const base = model('web');
    assert.doesNotMatch(renderStatusPage(base), /<section class="regions-banner"/);
    const page = renderStatusPage({ ...base, regionsWithoutLiveNode: ['eu-west', '<us>'] });
    assert.match(page, /<section class="regions-banner" role="status" data-regions-without-live-node="eu-west,&lt;us&gt;"><h2>2 regions have no live node<\/h2><p>Not checked from eu-west, &lt;us&gt; right now/);
    assert.doesNotMatch(page, /<us>/);
    assert.match(renderStatusPage({ ...base, regionsWithoutLiveNode: ['ap'] }), /<h2>A region has no live node<\/h2><p>Not checked from ap right now/);
  });

  it('escapes the characters that matter in text and attributes', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    assert.equal(html`<p title="${'"'}">${'<'}</p>`.html, '<p title="&quot;">&lt;</p>');
  });

  it('draws one stacked path per phase; a missing phase adds nothing', () => {
    const svg = renderLatencyChart(model('x').targets[0]?.latency ?? [], 'chart').html;
    assert.equal((svg.match(/<path /g) ?? []).length, 5);
    assert.match(svg, /0–20 ms/);
    assert.equal(renderLatencyChart([], 'chart').html.includes('No latency data'), true);
  });

  it('rounds the scale and classifies uptime buckets', () => {
    assert.equal(niceCeiling(14), 20);
    assert.equal(niceCeiling(0.7), 1);
    assert.equal(niceCeiling(250), 500);
    assert.equal(bucketClass({ startMs: 0, upPct: null, checks: 0, maintenance: 0 }), 'none');
    assert.equal(bucketClass({ startMs: 0, upPct: null, checks: 0, maintenance: 1 }), 'maint');
    assert.equal(bucketClass({ startMs: 0, upPct: 100, checks: 3, maintenance: 0 }), 'ok');
    assert.equal(bucketClass({ startMs: 0, upPct: 97, checks: 3, maintenance: 0 }), 'warn');
    assert.equal(bucketClass({ startMs: 0, upPct: 10, checks: 3, maintenance: 0 }), 'bad');
  });
});
