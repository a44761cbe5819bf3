// Renders <App> at a fixed size against a FakeChatPort and waits for frames (no sleeps).
import {render} from 'ink-testing-library';
import {act} from 'react';
import {App, type AppProps} from '../../src/tui/app.js';
import type {Effect} from '../../src/core/effects.js';
import {FakeChatPort} from '../helpers/fake-port.js';

/** Byte sequences a terminal sends for keys (xterm). */
export const KEYS = {
	tab: '\t',
	shiftTab: '\u001b[Z',
	up: '\u001b[A',
	down: '\u001b[B',
	shiftUp: '\u001b[1;2A',
	shiftDown: '\u001b[1;2B',
	altEnter: '\u001b\r',
	pageUp: '\u001b[5~',
	pageDown: '\u001b[6~',
	home: '\u001b[H',
	end: '\u001b[F',
	enter: '\r',
	escape: '\u001b',
	backspace: '\u007f',
	ctrl: (letter: string): string => String.fromCharCode(letter.toLowerCase().charCodeAt(0) - 96),
} as const;

/** A rendered App with its fake port and helpers. */
export interface Harness {
	port: FakeChatPort;
	notifications: Extract<Effect, {kind: 'notify'}>[];
	frame: () => string;
	/** Every frame written so far. */
	frames: () => string[];
	/** Send raw input (one key or a pasted string each), after pending effects ran. */
	press: (...keys: string[]) => Promise<void>;
	/** Type text one character at a time, as a person would. */
	type: (text: string) => Promise<void>;
	/** Resolve once the latest frame satisfies `predicate` (checked on every frame). */
	waitFor: (predicate: (frame: string) => boolean, what?: string) => Promise<string>;
	/** Resolve once the frame contains `text`. */
	waitForText: (text: string) => Promise<string>;
	unmount: () => void;
}

// Ink renders on a legacy root, where React runs passive effects (Ink's useInput
// subscriptions among them) some time after the frame. Inside act() they run before it
// returns, so the next key meets the current handlers, as it does at human typing speed.
(globalThis as {IS_REACT_ACT_ENVIRONMENT?: boolean}).IS_REACT_ACT_ENVIRONMENT = true;

/** Render the app at `columns` × `rows` (default 100 × 30) with no clock timer, times in UTC unless `timeZone` is given. */
export function renderApp(props: Partial<AppProps> = {}, port = new FakeChatPort()): Harness {
	const notifications: Harness['notifications'] = [];
	let instance!: ReturnType<typeof render>;
	act(() => {
		instance = render(<App port={port} size={{columns: 100, rows: 30}} tickMs={0} timeZone="UTC" onNotify={(e) => notifications.push(e)} {...props} />);
	});
	const emit = port.emit.bind(port);
	port.emit = (...events) => act(() => emit(...events));
	const waiters = new Set<() => void>();
	const stdout = instance.stdout as unknown as {write: (frame: string) => void};
	const write = stdout.write;
	stdout.write = (frame: string) => {
		write(frame);
		for (const wake of [...waiters]) wake();
	};
	const frame = (): string => instance.lastFrame() ?? '';
	const waitFor = (predicate: (frame: string) => boolean, what = 'frame'): Promise<string> =>
		new Promise((resolve, reject) => {
			const check = (): boolean => {
				if (!predicate(frame())) return false;
				waiters.delete(check);
				clearTimeout(timer);
				resolve(frame());
				return true;
			};
			// A safety net only: a frame that never comes fails the test with what was on screen.
			const timer = setTimeout(() => {
				waiters.delete(check);
				reject(new Error(`timed out waiting for ${what}; last frame:\n${frame()}`));
			}, 3_000);
			if (!check()) waiters.add(check);
		});
	return {
		port,
		notifications,
		frame,
		frames: () => [...instance.frames],
		press: async (...keys) => {
			for (const k of keys) await act(async () => instance.stdin.write(k));
		},
		type: async (text) => {
			for (const ch of text) await act(async () => instance.stdin.write(ch));
		},
		waitFor,
		waitForText: (text) => waitFor((f) => f.includes(text), JSON.stringify(text)),
		unmount: () => act(() => instance.unmount()),
	};
}
