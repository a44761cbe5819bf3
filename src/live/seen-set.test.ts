import {describe, expect, it} from 'vitest';
import {SeenSet} from './seen-set.js';

describe('SeenSet', () => {
	it('reports new ids once', () => {
		const seen = new SeenSet();
		expect(seen.add('a')).toBe(true);
		expect(seen.add('a')).toBe(false);
		expect(seen.has('a')).toBe(true);
	});

	it('forgets the oldest id beyond its capacity', () => {
		const seen = new SeenSet(2);
		seen.add('a');
		seen.add('b');
		seen.add('c');
		expect(seen.size).toBe(2);
		expect(seen.has('a')).toBe(false);
		expect(seen.add('b')).toBe(false);
		expect(seen.add('a')).toBe(true);
	});
});
