import { describe, expect, it } from 'vitest';
import { DataInputError, isDataInputError, listForMessage } from './errors.ts';

describe('DataInputError', () => {
  it('carries a tag and structured fields, with a one-line message naming problem and fix', () => {
    const error = new DataInputError({
      path: 'data.h5',
      problem: 'no dataset "/foo"',
      fix: 'Datasets in this file: /data, /x. Pick one as data.h5:/data.',
    });
    expect(error).toBeInstanceOf(Error);
    expect(error._tag).toBe('DataInputError');
    expect(error.name).toBe('DataInputError');
    expect([error.path, error.problem]).toEqual(['data.h5', 'no dataset "/foo"']);
    expect(error.message).toBe(
      'data.h5: no dataset "/foo". Datasets in this file: /data, /x. Pick one as data.h5:/data.',
    );
  });

  it('keeps the message on one line even when the parts hold line breaks', () => {
    const error = new DataInputError({ path: 'a.csv', problem: 'bad\n  thing', fix: 'Fix\r\nit.' });
    expect(error.message).toBe('a.csv: bad thing. Fix it.');
  });

  it('is recognised by isDataInputError, and other errors are not', () => {
    expect(isDataInputError(new DataInputError({ path: 'p', problem: 'x', fix: 'y' }))).toBe(true);
    expect(isDataInputError(new Error('p: x. y'))).toBe(false);
    expect(isDataInputError({ _tag: 'DataInputError' })).toBe(false);
  });
});

describe('listForMessage', () => {
  it('lists short lists whole and cuts long ones', () => {
    expect(listForMessage(['/a', '/b'])).toBe('/a, /b');
    expect(listForMessage(['1', '2', '3', '4'], 2)).toBe('1, 2 and 2 more');
  });
});
