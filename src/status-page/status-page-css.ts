/** Inline CSS for the status page: no external assets, readable from 320 px phones up. */
export const STATUS_PAGE_CSS = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--mute:#657085;--line:#e2e6ec;
--ok:#2da44e;--warn:#e5a50a;--bad:#d1242f;--none:#c9ced6;--maint:#2f6fd8;--link:#1f5fbf}
@media (prefers-color-scheme:dark){:root{--bg:#11151c;--card:#1a202a;--ink:#e6e9ef;--mute:#9aa4b5;--line:#2b3340;--none:#3a4350;--link:#7fb0ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header,main,footer{max-width:1100px;margin:0 auto;padding:16px}
header{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:8px}
h1{font-size:1.4rem;margin:0}
h2{font-size:1.1rem;margin:24px 0 8px}
.summary{color:var(--mute)}
.targets{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,480px),1fr));align-items:start;gap:12px;padding:0;margin:0;list-style:none}
.target{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px;min-width:0}
.target-head{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.target-name{font-weight:600;overflow-wrap:anywhere;flex:1 1 auto;min-width:0;unicode-bidi:isolate}
a{color:var(--link)}
a.target-name{color:var(--ink);text-decoration:none}a.target-name:hover{text-decoration:underline}
td a,td{unicode-bidi:isolate}
nav.site{max-width:1100px;margin:0 auto;padding:10px 16px 0;display:flex;gap:16px;font-size:.9rem}
.toggle{color:var(--mute);font-size:.85rem;margin:0 0 10px}
.toggle-on{font-weight:600;color:var(--ink)}
.uptime-figures{display:inline-flex;flex-wrap:wrap;gap:2px 14px}
.uptime-figure b{color:var(--ink);font-weight:600}
.target-page{margin-bottom:8px}
.target-page .current{font-weight:600;flex:1 1 auto}
h1{overflow-wrap:anywhere;unicode-bidi:isolate}
.chart-card .latency-chart{height:180px}
.more,.pager{font-size:.9rem}
.error-text{font-size:1rem}
.bar.maint{fill:var(--maint)}
.state{font-size:.8rem;font-weight:600;text-transform:uppercase;padding:2px 8px;border-radius:999px;color:#fff;background:var(--none)}
.state-up{background:var(--ok)}.state-degraded{background:var(--warn)}.state-down,.state-error{background:var(--bad)}
.state-unknown,.state-paused{background:var(--none);color:var(--ink)}
.meta{color:var(--mute);font-size:.85rem;margin:4px 0 8px;overflow-wrap:anywhere}
.problem{color:var(--bad)}
.probe-degraded{color:var(--warn)}
.uptime-bars{display:block;width:100%;height:28px}
.bar.ok{fill:var(--ok)}.bar.warn{fill:var(--warn)}.bar.bad{fill:var(--bad)}.bar.none{fill:var(--none)}
.bars-legend{display:flex;justify-content:space-between;color:var(--mute);font-size:.75rem;margin:2px 0 10px}
.chart{margin:0;position:relative}
.latency-chart{display:block;width:100%;height:120px;background:var(--bg);border-radius:6px}
.latency-chart .grid{stroke:var(--line);stroke-width:1;vector-effect:non-scaling-stroke}
.chart-scale{display:flex;justify-content:space-between;color:var(--mute);font-size:.75rem}
figcaption{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:.75rem;color:var(--mute);margin-top:4px}
.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.range{margin-left:auto}
.empty{color:var(--mute);font-size:.85rem}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--line);font-size:.9rem;overflow-wrap:break-word}
td:last-child{overflow-wrap:anywhere;width:60%}
@media (max-width:600px){thead{display:none}tr{display:flex;flex-wrap:wrap;column-gap:8px;padding:6px 0;border-bottom:1px solid var(--line)}td{display:block;border:0;padding:2px 10px}td:last-child{width:auto}
.incidents td:nth-child(1){flex-basis:100%;font-weight:600}.incidents td:nth-child(2),.incidents td:nth-child(3){color:var(--mute);padding-right:0}.incidents td:nth-child(3)::before{content:"· "}.incidents td:nth-child(n+4){flex-basis:100%}}
footer{color:var(--mute);font-size:.8rem}
.maintenance-banner{background:var(--card);border:1px solid var(--maint);border-left:6px solid var(--maint);border-radius:10px;padding:10px 14px;margin:0 0 12px}
.regions-banner{background:var(--card);border:1px solid var(--warn);border-left:6px solid var(--warn);border-radius:10px;padding:10px 14px;margin:0 0 12px}
.regions-banner h2{margin:0 0 4px;color:var(--warn)}
.regions-banner p{margin:4px 0 0;color:var(--mute);font-size:.85rem}
.maintenance-banner h2{margin:0 0 4px;color:var(--maint)}
.maintenance-banner ul,.maintenance-upcoming{margin:4px 0;padding-left:20px}
.maintenance-banner p{margin:4px 0 0;color:var(--mute);font-size:.85rem}
.maintenance-upcoming li{overflow-wrap:anywhere}
.state-maintenance{background:var(--maint)}
`;
