// Stands in for the `entities` package, which markdown-it imports only to decode named character
// references (`&eacute;`) in link destinations and code block info strings: its tables are 16 KB
// of gzipped JavaScript, a sixth of the page's budget. Messages show entities as typed (the
// entity rule is off, lib/markdown.ts), so a named reference in a link stays as typed too; a link
// that then is not an http(s) URL stays text. Numeric references (`&#x61;`) markdown-it decodes
// itself. vite.config.ts and the root vitest.config.ts resolve `entities` here.
export function decodeHTMLStrict(text: string): string {
  return text;
}
