import type { Context } from 'hono';
import { h, type Html } from './html.js';

// The page shell and the headers every console response carries.

/**
 * No inline script or style at all (the JS and CSS are routes of their own), nothing from another
 * origin, forms post only here, and no page may frame the console.
 */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function securityHeaders(c: Context): void {
  c.header('content-security-policy', CSP);
  c.header('x-frame-options', 'DENY');
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on a form post,
  // and the origin check could not tell the console's own forms from anyone else's.
  c.header('referrer-policy', 'same-origin');
  c.header('cross-origin-opener-policy', 'same-origin');
  c.header('cross-origin-resource-policy', 'same-origin');
}

export type Section = 'calls' | 'metrics' | 'policies' | null;

export interface PageOptions {
  title: string;
  section: Section;
  /** The signed-in operator's sign-out form needs the session's CSRF token; absent on the sign-in page. */
  csrf?: string;
  body: Html;
}

const NAV: { section: Exclude<Section, null>; href: string; label: string }[] = [
  { section: 'calls', href: '/console/calls', label: 'Calls' },
  { section: 'metrics', href: '/console/metrics', label: 'Metrics' },
  { section: 'policies', href: '/console/policies', label: 'Policies' },
];

export function page(o: PageOptions): Html {
  const nav = o.csrf
    ? h`<nav>${NAV.map((n) => h`<a href="${n.href}"${n.section === o.section ? h` aria-current="page"` : ''}>${n.label}</a>`)}
<form method="post" action="/console/sign-out" class="sign-out"><input type="hidden" name="_csrf" value="${o.csrf}"><button type="submit">Sign out</button></form></nav>`
    : '';
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${o.title} · callgate console</title>
<link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<header><a class="brand" href="/console/calls">callgate</a> <span class="brand-sub">operator console</span>${nav}</header>
<main>
${o.body}
</main>
</body>
</html>`;
}

/** A page answer with the console's headers. */
export function sendPage(c: Context, status: 200 | 400 | 401 | 403 | 404 | 409 | 429, body: Html): Response {
  securityHeaders(c);
  return c.html(body, status);
}
