import { Hono } from 'hono';

// The console's only script and stylesheet, served by the service itself (no CDN, works offline):
// routes rather than inline blocks, so the CSP can say script-src 'self' with nothing unsafe.

/**
 * Live regions: an element with data-refresh="<url>" has its content replaced by what that URL
 * answers (server-rendered, escaped HTML), every data-every ms, and only when it changed. A 401
 * means the session ended: back to the sign-in page. A failed poll marks the region stale and the
 * next one tries again; a hidden tab polls five times less often.
 */
export const CONSOLE_JS = `'use strict';
(function () {
  function watch(el) {
    var url = el.getAttribute('data-refresh');
    var every = Number(el.getAttribute('data-every')) || 2000;
    var last = null;
    function tick() {
      fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'text/html' } })
        .then(function (res) {
          if (res.status === 401) { window.location.assign('/console/sign-in'); return null; }
          if (!res.ok) throw new Error('HTTP ' + res.status);
          return res.text();
        })
        .then(function (text) {
          if (text === null) return;
          el.removeAttribute('data-stale');
          if (text !== last) { el.innerHTML = text; last = text; el.setAttribute('data-refreshed', String(Date.now())); }
        })
        .catch(function () { el.setAttribute('data-stale', 'true'); })
        .then(function () { setTimeout(tick, document.hidden ? every * 5 : every); });
    }
    setTimeout(tick, every);
  }
  document.addEventListener('DOMContentLoaded', function () {
    Array.prototype.forEach.call(document.querySelectorAll('[data-refresh]'), watch);
  });
})();
`;

export const CONSOLE_CSS = `:root { color-scheme: light; --ink: #1d2330; --muted: #5b6476; --line: #d9dde5; --bg: #f6f7f9; --accent: #2456c9;
  --ok: #1f7a45; --warn: #9a5b00; --bad: #b3261e; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.2rem; background: #fff; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; color: var(--ink); text-decoration: none; }
.brand-sub { color: var(--muted); }
nav { display: flex; align-items: center; gap: .9rem; margin-left: auto; }
nav a { color: var(--accent); text-decoration: none; }
nav a[aria-current="page"] { font-weight: 700; color: var(--ink); }
main { padding: 1rem 1.2rem 3rem; max-width: 1180px; }
h1 { font-size: 1.3rem; margin: .2rem 0 .8rem; }
h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: .35rem .55rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef0f4; font-weight: 600; font-size: .9em; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .92em; word-break: break-all; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 9px; font-size: .85em; border: 1px solid var(--line); background: #fff; }
.status-authenticated { color: var(--ok); border-color: var(--ok); }
.status-pending { color: var(--warn); border-color: var(--warn); }
.status-handed_off, .status-blocked { color: var(--bad); border-color: var(--bad); }
.tier-high { color: var(--bad); font-weight: 600; } .tier-medium { color: var(--warn); font-weight: 600; }
.panel { background: #fff; border: 1px solid var(--line); padding: .8rem 1rem; margin: .8rem 0; }
.error { color: var(--bad); font-weight: 600; }
.verified { color: var(--ok); font-weight: 700; font-size: 1.1rem; }
.did { font: 700 2.2rem/1.1 ui-monospace, Menlo, monospace; letter-spacing: .3rem; }
form.inline { display: inline; }
button { font: inherit; padding: .3rem .8rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; }
.sign-out button { background: #fff; color: var(--accent); }
input[type=password], input[type=text], input[type=number], select { font: inherit; padding: .3rem .4rem; border: 1px solid var(--line); border-radius: 3px; }
.sign-in { max-width: 420px; margin: 3rem auto; }
.sign-in input[type=password] { width: 100%; margin: .4rem 0 .8rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: .8rem; }
figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); padding: .5rem .6rem; }
figure.chart figcaption { font-weight: 600; margin-bottom: .2rem; }
figure.chart svg { width: 100%; height: auto; display: block; }
svg .value { fill: var(--accent); } svg .gap { fill: var(--line); }
svg .grid { stroke: var(--line); stroke-width: 1; } svg .axis-line { stroke: var(--muted); stroke-width: 1; }
svg .axis { fill: var(--muted); font-size: 10px; } svg .empty { fill: var(--muted); font-size: 13px; }
.headline { display: flex; flex-wrap: wrap; gap: 1.6rem; margin: .4rem 0 1rem; }
.headline div { background: #fff; border: 1px solid var(--line); padding: .4rem .8rem; }
.headline b { display: block; font-size: 1.3rem; }
fieldset { border: 1px solid var(--line); background: #fff; margin: 0 0 .8rem; }
fieldset label { display: inline-block; min-width: 12rem; margin: .15rem 0; }
ul.reasons { margin: .3rem 0; padding-left: 1.2rem; }
[data-stale] { opacity: .6; }
#timeline td:first-child, #decisions td:first-child { white-space: nowrap; }
#timeline td:nth-child(2) { white-space: nowrap; }
pre { white-space: pre-wrap; background: #fff; border: 1px solid var(--line); padding: .6rem; }
`;

/** So a browser's favicon request finds something here rather than a 404. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2456c9"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#fff" stroke-width="2" fill="none"/></svg>`;

export function assetRoutes() {
  // The files change only with a deploy; a short cache keeps a reload cheap without serving stale code for long.
  return new Hono()
    .get('/console.js', (c) =>
      c.body(CONSOLE_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'private, max-age=300' }),
    )
    .get('/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'private, max-age=300' }))
    .get('/favicon.svg', (c) => c.body(FAVICON_SVG, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'private, max-age=300' }));
}
