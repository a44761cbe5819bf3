// Build step after tsc (`npm run build`): bundle dist/cli/chat-deps.js — everything the chat loads —
// into one file with esbuild, in place. Node 20 loads ~800 ES modules for the chat otherwise, and
// resolving, reading and linking them was most of the time to the first frame (issue 12).
// React and Ink are bundled in production mode (as NODE_ENV=production would load them).
import {readFileSync} from 'node:fs';
import {dirname, relative, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import {NODE_BUNDLE_OPTIONS} from './esbuild-node.mjs';

const cli = fileURLToPath(new URL('../dist/cli/', import.meta.url));
const entry = resolve(cli, 'chat-deps.js');
// Loaded by main.js and commands/chat.js before the bundle: they stay separate modules, so there is
// one AbortError class (errors.ts `instanceof`) and one copy of each.
const shared = new Set(['errors.js', 'config.js', 'credentials.js', 'help.js'].map((name) => resolve(cli, name)));

const BANNER = NODE_BUNDLE_OPTIONS.banner.js;
if (readFileSync(entry, 'utf8').startsWith(BANNER)) {
	// Bundling the bundle again would nest its wrappers: tsc must write chat-deps.js first.
	console.error('bundle-chat: dist/cli/chat-deps.js is already bundled; run `npm run build`');
	process.exit(1);
}

const keepShared = {
	name: 'keep-shared-cli-modules',
	setup(bundler) {
		bundler.onResolve({filter: /^\.\.?\//}, (args) => {
			const path = resolve(args.resolveDir, args.path);
			if (!shared.has(path)) return undefined;
			return {path: `./${relative(dirname(entry), path)}`, external: true};
		});
	},
};

await build({
	...NODE_BUNDLE_OPTIONS,
	entryPoints: [entry],
	outfile: entry,
	allowOverwrite: true,
	sourcemap: true,
	legalComments: 'eof',
	define: {'process.env.NODE_ENV': '"production"'},
	plugins: [keepShared],
});
