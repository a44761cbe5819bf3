// Holds the architecture's arrows (see ../shared/STYLE.md "A layout that shows the architecture"):
// tui → core → protocol; live/store/ingest → protocol; the network never calls the UI.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
	forbidden: [
		{
			name: 'protocol-is-pure',
			comment: 'protocol/ is pure: no other layer, no I/O library.',
			severity: 'error',
			from: {path: '^src/protocol/'},
			to: {path: ['^src/(?!protocol/)', 'node_modules/(mqtt|pg|ink|react|aedes|@electric-sql)/', '^node:(fs|net|child_process)$']},
		},
		{
			name: 'core-imports-protocol-only',
			comment: 'core/ is pure: it may import protocol/ and text libraries only.',
			severity: 'error',
			from: {path: '^src/core/'},
			to: {path: ['^src/(?!core/|protocol/)', 'node_modules/(mqtt|pg|ink|react|aedes|@electric-sql)/']},
		},
		{
			name: 'only-live-imports-mqtt',
			severity: 'error',
			from: {path: '^src/', pathNot: '^src/live/'},
			to: {path: 'node_modules/mqtt/'},
		},
		{
			name: 'only-store-imports-pg',
			severity: 'error',
			from: {path: '^src/', pathNot: '^src/store/'},
			to: {path: 'node_modules/pg/'},
		},
		{
			name: 'only-tui-imports-ink-and-react',
			severity: 'error',
			from: {path: '^src/', pathNot: '^src/tui/'},
			to: {path: 'node_modules/(ink|react)/'},
		},
		{
			name: 'network-never-calls-the-ui',
			severity: 'error',
			from: {path: '^src/(live|store|ingest|hub|client|protocol|core)/'},
			to: {path: '^src/(tui|cli)/'},
		},
		{
			name: 'no-circular',
			severity: 'error',
			from: {},
			to: {circular: true},
		},
	],
	options: {
		doNotFollow: {path: 'node_modules'},
		exclude: {path: '\\.test\\.tsx?$'},
		tsPreCompilationDeps: true,
		tsConfig: {fileName: 'tsconfig.json'},
		enhancedResolveOptions: {exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default']},
	},
};
