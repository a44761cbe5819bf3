import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {csvRecord, jsonlRecord} from './export-format.js';

describe('csvRecord', () => {
	it('quotes text, doubles quotes, keeps numbers bare and joins lists with spaces', () => {
		expect(csvRecord(['a', 1, 'say "hi", then\nleave', ['bob', 'carol'], ''])).toBe('"a",1,"say ""hi"", then\nleave","bob carol",""\n');
		// null (no reply, never edited) is an empty unquoted field; an empty text stays quoted.
		expect(csvRecord([null, '', null])).toBe(',"",\n');
	});
});

describe('jsonlRecord', () => {
	it('is one line that parses back to the record, whatever the text', () => {
		fc.assert(
			fc.property(fc.string({unit: 'binary', maxLength: 200}), fc.integer(), (text, n) => {
				const line = jsonlRecord({content: text, seq: n, mentions: ['a']});
				expect(line.endsWith('\n')).toBe(true);
				expect(line.slice(0, -1)).not.toMatch(/[\n\r\u0080-\u009f\u2028\u2029]/);
				expect(JSON.parse(line)).toEqual({content: text, seq: n, mentions: ['a']});
			}),
		);
	});
});
