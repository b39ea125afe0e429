// cleanFileName: the name an upload is stored and served under, from a filename the client chose.
import { describe, expect, it } from 'vitest';
import { cleanFileName, DEFAULT_FILE_NAME, MAX_FILE_NAME_CHARS } from '../../src/files/file-name.js';

describe('cleanFileName', () => {
  it('keeps an ordinary name as it is', () => {
    expect(cleanFileName('holiday photo (1).jpg')).toBe('holiday photo (1).jpg');
    expect(cleanFileName('报告 2026.pdf')).toBe('报告 2026.pdf');
  });

  it('drops any path, with either separator', () => {
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
    expect(cleanFileName('C:\\Users\\me\\notes.txt')).toBe('notes.txt');
    expect(cleanFileName('/abs/dir/')).toBe(DEFAULT_FILE_NAME);
  });

  it('normalizes to NFC', () => {
    const decomposed = 'Cafe\u0301.txt';
    expect(cleanFileName(decomposed)).toBe('Caf\u00e9.txt');
  });

  it('removes control and bidi-override characters', () => {
    expect(cleanFileName('invoice\u202Egpj.exe')).toBe('invoicegpj.exe');
    expect(cleanFileName('a\u0000b\nc\td\u007f\u009b.txt')).toBe('abcd.txt');
    expect(cleanFileName('x\u2066y\u2069\u200e\u200f\u061c\ufeff.png')).toBe('xy.png');
  });

  it('answers "file" for an empty name, white space only, or dots only', () => {
    for (const raw of [undefined, '', '   ', '.', '..', '\u202e', 'dir/..']) expect(cleanFileName(raw)).toBe(DEFAULT_FILE_NAME);
  });

  it('cuts a long name to 200 code points, keeping the extension and whole characters', () => {
    const long = `${'😀'.repeat(300)}.jpeg`;
    const cut = cleanFileName(long);
    expect([...cut]).toHaveLength(MAX_FILE_NAME_CHARS);
    // Whole emoji (no lone surrogate), then the extension.
    expect(cut).toBe(`${'😀'.repeat(MAX_FILE_NAME_CHARS - 5)}.jpeg`);
    const noExtension = 'x'.repeat(250);
    expect(cleanFileName(noExtension)).toBe('x'.repeat(MAX_FILE_NAME_CHARS));
    // An "extension" too long to be one is not kept.
    const oddEnding = `${'a'.repeat(190)}.${'b'.repeat(60)}`;
    expect(cleanFileName(oddEnding)).toBe(oddEnding.slice(0, MAX_FILE_NAME_CHARS));
  });
});
