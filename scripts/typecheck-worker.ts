// Type-checks the Workers entry (src/runtime/worker) against the workerd runtime types that
// `wrangler types` generates. Core code is checked by the main tsconfig (DOM + Node types); under
// workerd's own declarations a few standard calls read differently (clearTimeout(undefined),
// TextDecoder options, generateKey's union), so only the worker folder's diagnostics count here.
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROJECT = join(ROOT, 'src/runtime/worker/tsconfig.json');
const OWN = join(ROOT, 'src/runtime/worker') + '/';

const read = ts.readConfigFile(PROJECT, ts.sys.readFile);
if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(PROJECT));
const program = ts.createProgram(parsed.fileNames, parsed.options);
const all = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
const own = all.filter((d) => !d.file || resolve(d.file.fileName).startsWith(OWN));
const host: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => ROOT,
  getNewLine: () => '\n',
};
if (own.length) {
  process.stderr.write(ts.formatDiagnostics(own, host));
  process.exit(1);
}
const others = new Set(all.filter((d) => d.file).map((d) => relative(ROOT, d.file!.fileName)));
console.log(`worker types ok (${parsed.fileNames.length} files${others.size ? `; core files read differently under workerd types: ${[...others].join(', ')}` : ''})`);
