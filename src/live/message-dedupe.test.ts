import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {MessageDedupe} from './message-dedupe.js';

describe('MessageDedupe', () => {
	it('reports each id of a sender once; the same id from another sender is another message', () => {
		const dedupe = new MessageDedupe();
		expect(dedupe.check('alice', 'm1', 1_000)).toBe('new');
		expect(dedupe.check('alice', 'm1', 1_000)).toBe('repeat');
		expect(dedupe.check('bob', 'm1', 1_000)).toBe('new');
	});

	it('never calls a forgotten id new: a redelivery after many newer messages is unknown (issue 11)', () => {
		const dedupe = new MessageDedupe(3);
		expect(dedupe.check('alice', 'late', 1_000)).toBe('new');
		for (let n = 1; n <= 10_001; n++) dedupe.check('alice', `m${n}`, 1_000 + n);
		expect(dedupe.size).toBe(3);
		expect(dedupe.check('alice', 'late', 1_000)).toBe('unknown');
		// A genuinely new message of that sender (sent after the floor) is still new.
		expect(dedupe.check('alice', 'fresh', 99_999)).toBe('new');
	});

	it('property: with any capacity and any delivery order, no id is ever new twice, memory stays bounded', () => {
		const delivery = fc.record({sender: fc.constantFrom('a', 'b'), id: fc.integer({min: 0, max: 30})});
		fc.assert(
			fc.property(fc.integer({min: 1, max: 5}), fc.array(delivery, {maxLength: 200}), (capacity, deliveries) => {
				const dedupe = new MessageDedupe(capacity);
				// One message has one send time: derive it from the id so redeliveries agree.
				const reported = new Set<string>();
				for (const {sender, id} of deliveries) {
					const key = `${sender}/${id}`;
					const verdict = dedupe.check(sender, String(id), id * 7);
					if (verdict === 'new') {
						expect(reported.has(key)).toBe(false);
						reported.add(key);
					}
					// The caller resolves `unknown` from the store: reported now unless it was before.
					if (verdict === 'unknown') reported.add(key);
					if (verdict === 'repeat') expect(reported.has(key)).toBe(true);
					expect(dedupe.size).toBeLessThanOrEqual(2 * capacity);
				}
			}),
		);
	});
});
