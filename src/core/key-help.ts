// What the help overlay and README list: readable key names, and the composer's own keys.
// Pure: no imports.

/** The composer's own keys (a fixed readline-like set), for the help overlay and README. */
export const COMPOSER_KEYS: readonly (readonly [string, string])[] = [
	['Enter', 'send'],
	['Alt+Enter', 'new line (also Shift+Enter, Ctrl+J)'],
	['↑ ↓', 'earlier inputs / move between lines'],
	['Tab', 'complete (empty: next pane)'],
	['Ctrl+A Ctrl+E', 'start / end of line'],
	['Alt+B Alt+F', 'word back / forward'],
	['Ctrl+W', 'delete word back'],
	['Ctrl+U', 'delete to start of line'],
	['Ctrl+X Ctrl+E', 'edit in $VISUAL/$EDITOR'],
];

/** Human-readable key names for the help overlay: `ctrl+k` → `Ctrl+K`, `up` → `↑`. */
export function describeKey(spec: string): string {
	const pretty: Record<string, string> = {up: '↑', down: '↓', left: '←', right: '→', pageup: 'PgUp', pagedown: 'PgDn', enter: 'Enter', return: 'Enter', escape: 'Esc', esc: 'Esc', tab: 'Tab', home: 'Home', end: 'End', backspace: 'Backspace', delete: 'Delete'};
	if (spec.length === 1) return spec;
	return spec
		.split('+')
		.map((part, i, all) => (i < all.length - 1 ? part[0]!.toUpperCase() + part.slice(1) : (pretty[part.toLowerCase()] ?? (part.length === 1 ? part.toUpperCase() : part))))
		.join('+');
}

