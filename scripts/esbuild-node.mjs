// What every esbuild bundle of this project that Node runs shares: the built chat
// (scripts/bundle-chat.mjs) and the TUI fixtures of the pty suites (test/helpers/fixture-bundle.ts).
import {fileURLToPath} from 'node:url';

/** esbuild options for one ES module run by Node 20 that bundles its packages too. */
export const NODE_BUNDLE_OPTIONS = {
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	logLevel: 'warning',
	// Optional native add-ons their packages load in a try/catch (ws, pg).
	external: ['bufferutil', 'utf-8-validate', 'pg-native'],
	// Ink imports its React DevTools bridge only with DEV=true; the package is not installed.
	alias: {'react-devtools-core': fileURLToPath(new URL('./devtools-stub.mjs', import.meta.url))},
	// CommonJS dependencies call require() for Node's modules; an ES module has none of its own.
	banner: {js: "import {createRequire as __hermesCreateRequire} from 'node:module'; const require = __hermesCreateRequire(import.meta.url);"},
};
