// Migration 012's hermes_conversation_page runs the list statement of history-people.ts: its body
// is a copy (migrations are static SQL), so this holds the two equal.
import {readFile} from 'node:fs/promises';
import {describe, expect, it} from 'vitest';
import {CONVERSATIONS_QUERY} from './history-people.js';

describe('hermes_conversation_page (migration 012)', () => {
	it('runs exactly CONVERSATIONS_QUERY: change both together (a new migration replaces the function)', async () => {
		const migration = await readFile(new URL('../../migrations/012_list_function.sql', import.meta.url), 'utf8');
		const body = /\nRETURN QUERY\n([\s\S]*?)\n;\nEND\n/.exec(migration)?.[1];
		expect(body).toBeDefined();
		expect(body).toBe(CONVERSATIONS_QUERY);
	});
});
