import { describe, expect, it } from 'vitest';
import { parseCommand, parseRows, UsageError } from './usage.ts';

describe('parseRows', () => {
  it('reads a:b with either side optional', () => {
    expect(parseRows('10:20')).toEqual({ start: 10, end: 20 });
    expect(parseRows(':5')).toEqual({ end: 5 });
    expect(parseRows('7:')).toEqual({ start: 7 });
  });

  it('rejects anything else with a usage error that shows the form', () => {
    for (const bad of ['10', '1-5', 'a:b', '-1:3']) expect(() => parseRows(bad)).toThrow(UsageError);
    expect(() => parseRows('x')).toThrow(/a:b with whole numbers/);
  });
});

describe('parseCommand', () => {
  const options = {
    chunk: { type: 'string' as const },
    'error-bound': { type: 'string' as const, short: 'e' },
  };
  it("says how to give a value that starts with '-' (parseArgs calls it ambiguous)", () => {
    const attempt = () => parseCommand('compress', ['--chunk', '-5'], options, 'baler compress …');
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/^--chunk needs a value; write one that starts with '-' as --chunk=-VALUE\.\n/);
    expect(parseCommand('compress', ['--chunk=-5'], options, 'baler compress …').values.chunk).toBe('-5');
    expect(() => parseCommand('compress', ['-e', '-1'], options, 'baler compress …')).toThrow(
      /^-e needs a value; write one that starts with '-' as --error-bound=-VALUE\.\n/,
    );
  });
});
