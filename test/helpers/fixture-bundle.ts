// The TUI fixtures that the pty suites spawn, bundled into one ES module each by esbuild with the
// options scripts/bundle-chat.mjs bundles the real chat with (scripts/esbuild-node.mjs). Spawned with `--import tsx`, each start resolved,
// read and transformed several hundred modules: ~1.3 s of CPU per spawn on a slow 2-core machine,
// most of the pty suites' time and over the date and time-zone check's 45 s in all.
import {rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {threadId} from 'node:worker_threads';
import {build} from 'esbuild';
import {NODE_BUNDLE_OPTIONS} from '../../scripts/esbuild-node.mjs';

const bundles = new Map<string, Promise<string>>();

/**
 * The path of `fixture` (a .ts/.tsx path relative to the repository root) bundled for `node`, built
 * once until {@link removeBundledFixtures}. React keeps reading NODE_ENV at run time, as under tsx.
 * @throws the esbuild error when the fixture does not build.
 */
export function bundledFixture(fixture: string): Promise<string> {
	let bundle = bundles.get(fixture);
	if (!bundle) {
		const outfile = join(tmpdir(), `hermes-fixture-${process.pid}-${threadId}-${basename(fixture).replace(/\.tsx?$/, '')}.mjs`);
		bundle = build({
			...NODE_BUNDLE_OPTIONS,
			entryPoints: [fixture],
			outfile,
		}).then(() => outfile);
		bundles.set(fixture, bundle);
	}
	return bundle;
}

/**
 * Remove the bundles built so far (call in the suite's afterAll: vitest ends its workers without
 * their `exit` event, which left one file per run behind).
 */
export async function removeBundledFixtures(): Promise<void> {
	const built = [...bundles.values()];
	bundles.clear();
	for (const path of await Promise.allSettled(built)) if (path.status === 'fulfilled') rmSync(path.value, {force: true});
}
