// Composer key cost: µs per key for insert and ↑/↓ on drafts of 100–4000 characters, and Tab
// completion against 1000 people. Run: npx tsx bench/composer-keys.ts (prints; no results file).
import {editLine, insertText, EMPTY_LINE} from '../src/core/line-editor.js';
import {completeInput} from '../src/core/completion.js';
const sizes = [100, 1000, 4000];
for (const n of sizes) {
	const text = Array.from({length: n / 10}, (_, i) => `word${i % 100}`.padEnd(9, 'x') + (i % 8 === 7 ? '\n' : ' ')).join('').slice(0, n);
	let line = insertText(EMPTY_LINE, text);
	const keys = 2000;
	const t0 = performance.now();
	for (let i = 0; i < keys; i++) line = editLine(line, 'a', {}).line;
	const t1 = performance.now();
	for (let i = 0; i < keys; i++) line = editLine(line, '', {upArrow: i % 2 === 0, downArrow: i % 2 === 1}).line;
	const t2 = performance.now();
	const people = Array.from({length: 1000}, (_, i) => ({userId: `user${i}`, name: `Name ${i}`}));
	for (let i = 0; i < 200; i++) completeInput(line, people);
	const t3 = performance.now();
	console.log(`${n} chars: insert ${((t1 - t0) / keys * 1000).toFixed(0)} µs/key, ↑↓ ${((t2 - t1) / keys * 1000).toFixed(0)} µs/key, Tab (1000 people) ${((t3 - t2) / 200 * 1000).toFixed(0)} µs`);
}
