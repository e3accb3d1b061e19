// Dependencies point down the layers of docs/architecture.md; a cycle or an upward import
// fails `npm run lint`.
const layer = (name, allowed) => ({
  name: `${name}-layering`,
  severity: 'error',
  comment: `src/${name} may import only: ${allowed.join(', ') || 'nothing of ours'}`,
  from: { path: `^src/${name}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${name}/`, ...allowed.map((a) => `^src/${a}/`)],
  },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
    layer('core', []),
    layer('telemetry', ['core']),
    layer('hardware', ['core', 'telemetry']),
    layer('registry', ['core', 'telemetry']),
    layer('runtime', ['core', 'telemetry', 'hardware']),
    layer('scheduler', ['core', 'telemetry']),
    layer('serving', ['core', 'telemetry', 'hardware', 'registry', 'runtime', 'scheduler']),
    layer('control', ['core', 'telemetry', 'hardware', 'registry', 'scheduler', 'runtime', 'serving']),
    // The node agent: never the gateway; what both ends share lives in runtime/remote.
    layer('agent', ['core', 'telemetry', 'hardware', 'registry', 'runtime']),
    layer('gateway', ['core', 'telemetry', 'hardware', 'registry', 'runtime', 'scheduler', 'serving', 'control']),
    layer('client', ['core']),
    layer('cli', ['client', 'core']),
    layer('sim', ['core', 'telemetry', 'hardware', 'scheduler']),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
