// The layers of docs/architecture.md, checked by `npm run lint`: a wrong arrow
// fails CI. Each rule names the layer, what it must not import, and why.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle means two modules are one: merge them, or move what both need into a third.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'util-is-a-leaf',
      severity: 'error',
      comment: 'util/ holds pure helpers (sleep, backoff, masking, durations): it imports nothing of ours but util/ and errors.ts.',
      from: { path: '^src/util/' },
      to: { path: '^src/', pathNot: ['^src/util/', '^src/errors\\.ts$'] },
    },
    {
      name: 'config-below-domain',
      severity: 'error',
      comment: 'config/ parses and validates settings; it may use util/ and errors.ts, nothing that does work.',
      from: { path: '^src/config/' },
      to: { path: '^src/(adapters|domain|commands|output|rehearse|standins)/|^src/(cli|main|context|index)\\.ts$' },
    },
    {
      name: 'adapters-know-no-domain',
      severity: 'error',
      comment: 'adapters/ speak the wire (Redis, HTTP, Product Hunt, Lua loading); they never import domain logic, commands or renderers.',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(domain|commands|output|rehearse|standins)/|^src/(cli|main|context|index)\\.ts$' },
    },
    {
      name: 'output-is-presentation',
      severity: 'error',
      comment: 'output/ formats for the terminal; it knows nothing of Redis, HTTP or the domain.',
      from: { path: '^src/output/' },
      to: { path: '^src/(adapters|domain|commands|config|rehearse|standins)/' },
    },
    {
      name: 'domain-below-commands',
      severity: 'error',
      comment: 'domain/ plans, runs and renders one area; the command files and the rehearsal are built on it, never the reverse.',
      from: { path: '^src/domain/' },
      to: { path: '^src/(commands|rehearse|standins)/|^src/(cli|main|context|index)\\.ts$' },
    },
    {
      name: 'standins-are-servers',
      severity: 'error',
      comment: 'standins/ play the site and the Product Hunt API; they may use pure domain rules but not commands or the rehearsal.',
      from: { path: '^src/standins/' },
      to: { path: '^src/(commands|rehearse)/|^src/(cli|main|context|index)\\.ts$' },
    },
    {
      name: 'rehearse-is-an-application',
      severity: 'error',
      comment: 'rehearse/ is built from the verbs and the stand-ins; no command imports it but its own.',
      from: { path: '^src/rehearse/' },
      to: { path: '^src/commands/|^src/(cli|main|index)\\.ts$' },
    },
    {
      name: 'commands-stand-alone',
      severity: 'error',
      comment: 'A command file parses flags and renders one verb; shared code belongs in domain/, output/ or util/.',
      from: { path: '^src/commands/([^/]+)\\.ts$' },
      to: { path: '^src/commands/', pathNot: ['^src/commands/$1\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
