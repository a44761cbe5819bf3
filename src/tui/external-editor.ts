// Hands the terminal to $VISUAL/$EDITOR for one draft, then takes it back.
// May import node: modules and tui/ (no Ink: the caller has stopped Ink reading).
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/** What the editor gave back: the saved text, or why nothing is to be sent (the draft stays). */
export type EditorOutcome = {text: string} | {reason: string};

/** The terminal while the editor runs: leave our screen and modes before, restore them after. */
export interface TerminalHandoff {
	/** Stop reading input, leave raw mode, the alternate screen and our terminal modes. */
	release: () => void;
	/** Take the terminal back: raw mode, alternate screen, modes, input. */
	reclaim: () => void;
}

/** The editor command: $VISUAL, else $EDITOR, else `vi` (as git does). */
export function editorCommand(env: NodeJS.ProcessEnv): string {
	return env.VISUAL?.trim() || env.EDITOR?.trim() || 'vi';
}

/**
 * Write `draft` to a temporary file, run the editor on it in the foreground (the event loop
 * waits, so nothing draws over the editor) and read back what was saved. One trailing
 * newline (editors add it) is removed. An empty or blank file, an editor that cannot be
 * started or that exits non-zero, all mean "send nothing" with a one-line reason.
 * The command is run by /bin/sh, so `$EDITOR` may carry arguments (`code -w`).
 */
export function editExternally(draft: string, terminal: TerminalHandoff, env: NodeJS.ProcessEnv = process.env): EditorOutcome {
	const command = editorCommand(env);
	const dir = mkdtempSync(join(tmpdir(), 'hermes-chat-draft-'));
	const file = join(dir, 'message.txt');
	writeFileSync(file, draft, {mode: 0o600});
	terminal.release();
	try {
		const result = spawnSync('/bin/sh', ['-c', `${command} "$1"`, 'sh', file], {stdio: 'inherit', env});
		if (result.error) return {reason: `could not start the editor "${command}": ${result.error.message} — draft kept`};
		if (result.status !== 0) return {reason: `the editor "${command}" exited with status ${result.status ?? result.signal} — draft kept`};
		const text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
		return text.trim() === '' ? {reason: 'the editor saved an empty message — nothing sent, draft kept'} : {text};
	} finally {
		terminal.reclaim();
		rmSync(dir, {recursive: true, force: true});
	}
}
