// Message formatting (src/lib/markdown.ts): the Markdown subset, what stays literal text, links
// only to http(s), and `@name` mentions outside code and links.
import { describe, expect, it } from 'vitest';
import { formatMessage, type MdNode } from '../../src/lib/markdown.js';

/** The tree as HTML-like text, for reading: text escaped as HTML would show it, a mention as `{@name}`. */
function show(nodes: MdNode[]): string {
  return nodes
    .map((node) => {
      switch (node.kind) {
        case 'text':
          return node.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
        case 'mention':
          return `{${node.text}}`;
        case 'break':
          return '<br>';
        case 'link':
          return `<a href="${node.href}">${show(node.children)}</a>`;
        case 'element':
          return `<${node.tag}${node.start === undefined ? '' : ` start=${node.start}`}>${show(node.children)}</${node.tag}>`;
      }
    })
    .join('');
}

const html = (text: string) => show(formatMessage(text));

/** Every href in the tree. */
function hrefs(nodes: MdNode[]): string[] {
  return nodes.flatMap((node) => (node.kind === 'link' ? [node.href, ...hrefs(node.children)] : 'children' in node ? hrefs(node.children) : []));
}

describe('formatMessage', () => {
  it('keeps plain text as one paragraph, its line breaks as breaks', () => {
    expect(html('hello bob')).toBe('<p>hello bob</p>');
    expect(html('first line\nsecond line')).toBe('<p>first line<br>second line</p>');
    expect(html('one\n\ntwo')).toBe('<p>one</p><p>two</p>');
    expect(formatMessage('')).toEqual([]);
  });

  it('bold, italic, strikethrough and inline code', () => {
    expect(html('**bold** __also__ *it* _also_ ~~gone~~ `a <b> c`')).toBe(
      '<p><strong>bold</strong> <strong>also</strong> <em>it</em> <em>also</em> <s>gone</s> <code>a &lt;b&gt; c</code></p>',
    );
    expect(html('***both***')).toBe('<p><em><strong>both</strong></em></p>');
    // Inside code nothing is formatting.
    expect(html('`**not bold** https://example.org @bob`')).toBe('<p><code>**not bold** https://example.org @bob</code></p>');
    // A backslash keeps a marker as text.
    expect(html('\\*not italic\\*')).toBe('<p>*not italic*</p>');
  });

  it('code blocks, fenced or indented, keep their lines and spaces', () => {
    expect(html('```js\nif (a < b) {\n  go();\n}\n```')).toBe('<pre><code>if (a &lt; b) {\n  go();\n}</code></pre>');
    expect(html('look:\n\n    indented  code')).toBe('<p>look:</p><pre><code>indented  code</code></pre>');
  });

  it('quotes and lists, nested', () => {
    expect(html('> quoted\n> **more**')).toBe('<blockquote><p>quoted<br><strong>more</strong></p></blockquote>');
    expect(html('- one\n- two\n  - deeper')).toBe('<ul><li>one</li><li>two<ul><li>deeper</li></ul></li></ul>');
    expect(html('1. first\n2. second')).toBe('<ol><li>first</li><li>second</li></ol>');
    expect(html('3) third\n4) fourth')).toBe('<ol start=3><li>third</li><li>fourth</li></ol>');
    expect(html('> - quoted item')).toBe('<blockquote><ul><li>quoted item</li></ul></blockquote>');
  });

  it('links to http(s), written or found in the text', () => {
    expect(html('[the docs](https://example.org/docs) and https://example.org/x.')).toBe(
      '<p><a href="https://example.org/docs">the docs</a> and <a href="https://example.org/x">https://example.org/x</a>.</p>',
    );
    expect(html('<https://example.org/auto>')).toBe('<p><a href="https://example.org/auto">https://example.org/auto</a></p>');
    // As plain text links (test/lib.test.ts): balanced parentheses kept, the closing one left out,
    // a final question mark is the sentence's, and `*` in a URL is not emphasis.
    const wiki = 'https://en.wikipedia.org/wiki/Foo_(bar)';
    expect(html(`read (${wiki}) first`)).toBe(`<p>read (<a href="${wiki}">${wiki}</a>) first</p>`);
    expect(html('is it https://example.org/a?')).toBe('<p>is it <a href="https://example.org/a">https://example.org/a</a>?</p>');
    expect(html('https://example.org/*a*b')).toBe('<p><a href="https://example.org/*a*b">https://example.org/*a*b</a></p>');
    // The href is the URL as `new URL` normalizes it; the shown text is as typed (no punycode decoding).
    expect(html('HTTPS://Example.ORG/x')).toBe('<p><a href="https://example.org/x">HTTPS://Example.ORG/x</a></p>');
    expect(html('https://xn--80ak6aa92e.com/')).toBe('<p><a href="https://xn--80ak6aa92e.com/">https://xn--80ak6aa92e.com/</a></p>');
    // Named character references stay as typed, in link destinations too (src/lib/entities-off.ts).
    expect(hrefs(formatMessage('[x](https://example.org/&eacute;)'))).toEqual(['https://example.org/&eacute;']);
    // Formatting inside link text; no link inside a link.
    expect(html('[**bold** https://other.example](https://example.org/)')).toBe(
      '<p><a href="https://example.org/"><strong>bold</strong> https://other.example</a></p>',
    );
  });

  it('leaves headings, tables, rules, raw HTML, images and entities as the text typed', () => {
    for (const text of [
      '# Heading',
      '## Heading',
      '---',
      '***',
      '<b>bold</b>',
      '<div onclick="x()">block</div>',
      '<!-- comment -->',
      '&lt;script&gt; &amp; &#x61; &copy;',
      '| a | b |',
    ]) {
      expect(html(text), text).toBe(`<p>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`);
    }
    expect(html('Title\n===')).toBe('<p>Title<br>===</p>');
    expect(html('| a | b |\n|---|---|\n| 1 | 2 |')).toBe('<p>| a | b |<br>|---|---|<br>| 1 | 2 |</p>');
    // An image is its source as typed; a URL in it is a link like any other.
    expect(html('![alt](https://example.org/x.png)')).toBe('<p>![alt](<a href="https://example.org/x.png">https://example.org/x.png</a>)</p>');
    expect(html('![alt](picture.png)')).toBe('<p>![alt](picture.png)</p>');
  });

  it('never links anything but http(s)', () => {
    for (const text of [
      '[x](javascript:alert(1))',
      '[x](JAVASCRIPT:alert(1))',
      '[x]( javascript:alert(1) )',
      '[x](jav&#x61;script:alert(1))',
      '[x](javascript&colon;alert(1))',
      '[x](<javascript:alert(1)>)',
      '[x](java\\\nscript:alert(1))',
      '[x](data:text/html,<script>alert(1)</script>)',
      '[x](data:image/png;base64,iVBORw0KGgo=)',
      '[x](vbscript:msgbox(1))',
      '[x](file:///etc/passwd)',
      '[x](mailto:bob@example.org)',
      '[x](/relative)',
      '[x](//evil.example/x)',
      '[x](#top)',
      '[x]: javascript:alert(1)\n\n[x]',
      '<javascript:alert(1)>',
      '<mailto:bob@example.org>',
      '<bob@example.org>',
      'javascript:alert(1) data:text/html,x www.example.org example.org',
      '![x](javascript:alert(1))',
    ]) {
      expect(hrefs(formatMessage(text)), text).toEqual([]);
    }
    // Links that are http(s) stay links, and only those.
    const mixed = formatMessage('[a](javascript:x) [b](https://ok.example/) <javascript:y> <http://ok.example/2> data:z');
    expect(hrefs(mixed)).toEqual(['https://ok.example/', 'http://ok.example/2']);
  });

  it('splits out @name mentions, lowercased, but not in code, links or mail addresses', () => {
    expect(formatMessage('hi @Bob!')).toEqual([
      {
        kind: 'element',
        tag: 'p',
        children: [
          { kind: 'text', text: 'hi ' },
          { kind: 'mention', text: '@Bob', name: 'bob' },
          { kind: 'text', text: '!' },
        ],
      },
    ]);
    expect(html('@alice, (@bob_smith) @carol-2. @Ünïcode @名前 and **@dave**')).toBe(
      '<p>{@alice}, ({@bob_smith}) {@carol-2}. {@Ünïcode} {@名前} and <strong>{@dave}</strong></p>',
    );
    // As the server finds them (packages/server/src/hub/mentions.ts).
    expect(html('mail bob@example.org, or @ alone, or @@eve, @- or @bob- then')).toBe('<p>mail bob@example.org, or @ alone, or @@eve, @- or {@bob}- then</p>');
    expect(html('@bob👋 @bob+carol')).toBe('<p>{@bob}👋 {@bob}+carol</p>');
    expect(html('`@bob` [@bob](https://example.org/) https://example.org/@bob')).toBe(
      '<p><code>@bob</code> <a href="https://example.org/">@bob</a> <a href="https://example.org/@bob">https://example.org/@bob</a></p>',
    );
    expect(html('```\n@bob\n```')).toBe('<pre><code>@bob</code></pre>');
    expect(formatMessage('@Bob').flatMap((p) => ('children' in p ? p.children : []))).toEqual([{ kind: 'mention', text: '@Bob', name: 'bob' }]);
  });

  it('formats the longest message quickly, however it is made', () => {
    // 4,000 characters (the protocol's maxMessageChars) of each kind of marker: no quadratic
    // corner. No timing assertion: finishing within the test timeout is the assertion.
    for (const piece of ['*', '_', '`', '[', '](', '~~', '> ', '- ', '1. ', '<', '![', '\\', '@', 'https://a.example/', '**a', '[a](']) {
      const text = piece.repeat(Math.ceil(4000 / piece.length)).slice(0, 4000);
      expect(Array.isArray(formatMessage(text))).toBe(true);
    }
    const nested = '> '.repeat(2000) + 'deep';
    expect(Array.isArray(formatMessage(nested))).toBe(true);
  });
});
