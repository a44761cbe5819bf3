import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {DraftSaver, openSettings} from './settings.js';

let home: string;
beforeEach(() => {
	home = mkdtempSync(join(tmpdir(), 'hermes-settings-'));
});
afterEach(() => rmSync(home, {recursive: true, force: true}));

const env = () => ({HERMES_HOME: home});
const readJson = (...path: string[]) => JSON.parse(readFileSync(join(home, 'config', ...path), 'utf8')) as Record<string, unknown>;
/** Write a config.json as versions before per-user settings did. */
function writeLegacyConfig(content: Record<string, unknown>): void {
	mkdirSync(join(home, 'config'), {recursive: true});
	writeFileSync(join(home, 'config', 'config.json'), JSON.stringify(content));
}

describe('migration of the single-identity config.json', () => {
	const legacy = {
		user: {userId: 'fredy', name: 'Fredy'},
		keymap: {switcher: 'ctrl+p'},
		notifications: {mode: 'off', perConversation: {all: 'bell'}},
	};

	it('moves the identity and its notifications to users/<id>.json and makes it the bare-start choice', () => {
		writeLegacyConfig(legacy);
		const store = openSettings(env(), 'alice-os');
		expect(readJson('users', 'fredy.json')).toEqual({name: 'Fredy', notifications: legacy.notifications});
		// Nothing lost: the key map and the notification default stay shared; `user` is gone.
		expect(readJson('config.json')).toEqual({
			keymap: legacy.keymap,
			notifications: legacy.notifications,
			lastUserByAccount: {'alice-os': 'fredy'},
		});
		expect(store.lastUser()).toBe('fredy');
		expect(store.knownUserIds()).toEqual(['fredy']);
		expect(store.keymapFor('fredy')).toEqual({switcher: 'ctrl+p'});
	});

	it('is idempotent, and a per-user file that exists keeps its own values', () => {
		mkdirSync(join(home, 'config', 'users'), {recursive: true});
		writeFileSync(join(home, 'config', 'users', 'fredy.json'), JSON.stringify({name: 'Fredy F.', notifications: {mode: 'bell'}}));
		writeLegacyConfig({...legacy, lastUserByAccount: {'alice-os': 'david'}});
		openSettings(env(), 'alice-os');
		const again = openSettings(env(), 'alice-os');
		expect(readJson('users', 'fredy.json')).toEqual({name: 'Fredy F.', notifications: {mode: 'bell'}});
		// An explicit choice made after the old file was written is kept.
		expect(again.lastUser()).toBe('david');
		expect(readJson('config.json').user).toBeUndefined();
	});

	it('leaves a hand-edited invalid id where it is', () => {
		writeLegacyConfig({user: {userId: '../evil', name: 'x'}});
		const store = openSettings(env(), 'alice-os');
		expect(store.knownUserIds()).toEqual([]);
		expect(readJson('config.json').user).toEqual({userId: '../evil', name: 'x'});
	});
});

describe('per-user settings', () => {
	it('keeps each person’s notifications and key map apart, over the shared defaults', () => {
		writeLegacyConfig({keymap: {switcher: 'ctrl+p', 'next-unread': 'ctrl+n'}, notifications: {mode: 'desktop'}});
		const store = openSettings(env(), 'os');
		store.user('fredy').set('notifications', {mode: 'off'});
		store.user('fredy').set('keymap', {switcher: 'ctrl+o'});
		const reopened = openSettings(env(), 'os');
		expect(reopened.notificationsFor('fredy')).toEqual({mode: 'off'});
		expect(reopened.notificationsFor('david')).toEqual({mode: 'desktop'});
		expect(reopened.keymapFor('fredy')).toEqual({switcher: 'ctrl+o', 'next-unread': 'ctrl+n'});
		expect(reopened.keymapFor('david')).toEqual({switcher: 'ctrl+p', 'next-unread': 'ctrl+n'});
		expect(existsSync(join(home, 'config', 'users', 'david.json'))).toBe(false);
	});

	it('saves drafts per user: only non-empty ones, and none at all once every draft is sent', () => {
		const store = openSettings(env(), 'os');
		const saver = new DraftSaver(store.user('fredy'), 60_000);
		saver.save({'david:fredy': 'half a thought', all: ''});
		expect(existsSync(join(home, 'config', 'users', 'fredy.json'))).toBe(false);
		saver.flush();
		expect(readJson('users', 'fredy.json')).toEqual({drafts: {'david:fredy': 'half a thought'}});
		saver.save({'david:fredy': ''});
		saver.flush();
		expect(readJson('users', 'fredy.json')).toEqual({});
		saver.flush();
		expect(openSettings(env(), 'os').user('fredy').get('drafts')).toBeUndefined();
	});
});
