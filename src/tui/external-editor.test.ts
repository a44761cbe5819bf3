import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {editExternally, editorCommand} from './external-editor.js';

let dir: string;
let log: string[];
const terminal = {release: () => log.push('release'), reclaim: () => log.push('reclaim')};
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'hermes-editor-test-'));
	log = [];
});
afterEach(() => rmSync(dir, {recursive: true, force: true}));

/** A shell-script editor running `body` on "$1". */
function script(body: string): string {
	const path = join(dir, 'ed.sh');
	writeFileSync(path, `#!/bin/sh\n${body}\n`);
	chmodSync(path, 0o755);
	return path;
}

describe('editExternally', () => {
	it('gives the editor the draft and returns what it saved, minus one trailing newline', () => {
		const editor = script(`printf '%s and more\\n\\n' "$(cat "$1")" > "$1"`);
		expect(editExternally('the draft', terminal, {EDITOR: editor})).toEqual({text: 'the draft and more\n'});
		expect(log).toEqual(['release', 'reclaim']);
	});

	it('sends nothing, with a reason, for an empty file, a failing editor or a missing one', () => {
		expect(editExternally('x', terminal, {EDITOR: script(': > "$1"')})).toEqual({reason: 'the editor saved an empty message — nothing sent, draft kept'});
		expect(editExternally('x', terminal, {EDITOR: script('exit 3')})).toMatchObject({reason: expect.stringMatching(/exited with status 3 — draft kept/)});
		expect(editExternally('x', terminal, {EDITOR: join(dir, 'no-such-editor')})).toMatchObject({reason: expect.stringMatching(/exited with status 127/)});
		// The terminal is taken back every time.
		expect(log).toEqual(['release', 'reclaim', 'release', 'reclaim', 'release', 'reclaim']);
	});

	it('prefers $VISUAL, then $EDITOR, then vi; arguments in the variable are kept', () => {
		expect(editorCommand({VISUAL: 'code -w', EDITOR: 'nano'})).toBe('code -w');
		expect(editorCommand({VISUAL: ' ', EDITOR: 'nano'})).toBe('nano');
		expect(editorCommand({})).toBe('vi');
		const editor = script('printf "%s" "$0 $*" > "$2"');
		expect(editExternally('', terminal, {EDITOR: `${editor} --flag`})).toMatchObject({text: expect.stringMatching(/ed\.sh --flag .*message\.txt$/)});
	});
});
