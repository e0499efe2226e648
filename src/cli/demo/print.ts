// How the demo prints: colours (off when not a terminal or NO_COLOR is set), call headers, narration
// and scene titles, request bodies with KBA answers hidden, and signatures shortened.
const COLOR = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (COLOR ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint('1');
export const dim = paint('2');
export const red = paint('31');
export const green = paint('32');
export const yellow = paint('33');
const cyan = paint('36');
export const out = (line = '') => console.log(line);

export function header(title: string): void {
  out();
  out(bold(cyan(`━━ ${title} ${'━'.repeat(Math.max(3, 92 - title.length))}`)));
}
export const narrate = (text: string) => out(dim(`   ${text}`));

export const scene = (title: string) => {
  out();
  out(bold(`   ▸ ${title}`));
};

/** Request bodies as printed: KBA answers are secrets and never shown; the spoken OTP code is. */
export function showBody(body: unknown): string {
  if (body === undefined) return '';
  return ` ${JSON.stringify(body, (k, v) => (k === 'answer' ? '‹answer hidden›' : v))}`;
}

/** `t=1712345678,v1=3f9a1c…` — the MAC shortened for the transcript. */
export function shortSignature(header: string): string {
  return header.replace(/v1=([0-9a-f]{12})[0-9a-f]{52}/g, 'v1=$1…');
}

export const ms = (x: number) => `${x.toFixed(1)} ms`;
