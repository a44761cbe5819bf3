// Test helper, loaded with `node --import <this file>`: appends every module the process loads to
// the file named by RECORD_PACKAGES_OUT, one per line, so a test can tell which packages a command
// needed (test/e2e/startup-imports.e2e.test.ts). ESM imports are seen by a resolve hook (it runs on
// the loader thread, hence the file instead of a message); CommonJS `require` calls by wrapping
// Module._load, which ESM hooks never see. Plain JavaScript: node runs it without tsx.
import {appendFileSync} from 'node:fs';
import Module, {register} from 'node:module';

const out = process.env.RECORD_PACKAGES_OUT;
if (out) {
	register(
		'data:text/javascript,' +
			encodeURIComponent(`
import {appendFileSync} from 'node:fs';
export async function resolve(specifier, context, next) {
	const resolved = await next(specifier, context);
	appendFileSync(${JSON.stringify(out)}, 'esm ' + resolved.url + '\\n');
	return resolved;
}`),
	);
	const load = Module._load;
	Module._load = function (request, parent, isMain) {
		appendFileSync(out, `cjs ${request}\n`);
		return load.call(this, request, parent, isMain);
	};
}
