// Runs in a fresh Node process (started by bench/bundles.ts): imports one function bundle, calls
// nothing, and reports how long the import took (top-level awaits on config included).
const t0 = performance.now();
const mod = await import(process.argv[2]);
const importMs = performance.now() - t0;
if (typeof mod.handler !== 'function') {
  process.stderr.write('the bundle exports no handler function\n');
  process.exit(2);
}
// bootMs: from process start (performance's time origin) to the first line of this script.
process.stdout.write(JSON.stringify({ importMs, bootMs: t0 }));
process.exit(0);
