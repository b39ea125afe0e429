// Message text as a small, safe Markdown subset (issue 16): bold, italic, strike, inline code,
// code blocks, quotes, lists and links. markdown-it parses; this module turns its tokens into a
// plain tree that components/MessageText.vue renders with h(), so user text only ever becomes text
// nodes and a fixed set of tags: never HTML (no v-html, nothing for the strict CSP to refuse).
//
// Off, so shown as the characters typed: raw HTML, images, headings, tables, rules, entities
// (`&lt;` stays `&lt;`). A link, written or found in the text (linkify.ts's finder, the same
// rules as plain text), must be an http(s) URL as `new URL` reads it; any other link stays text.
import { findMentions } from '@chat/protocol';
import MarkdownIt, { type StateInline, type Token } from 'markdown-it';
import { httpHref, linkFinder } from './linkify.js';

/** Tags a message may hold; MessageText.vue creates nothing else. */
export type FormatTag = 'p' | 'blockquote' | 'ul' | 'ol' | 'li' | 'pre' | 'code' | 'strong' | 'em' | 's';

export type MdNode =
  | { kind: 'text'; text: string }
  /** `@name`; `name` is lowercased, for comparing with the viewer's names. */
  | { kind: 'mention'; text: string; name: string }
  | { kind: 'break' }
  /** `href` is an absolute http(s) URL, normalized by `new URL`. */
  | { kind: 'link'; href: string; children: MdNode[] }
  /** `start`: where an ordered list's numbering starts, when not at 1. */
  | { kind: 'element'; tag: FormatTag; children: MdNode[]; start?: number };

/** Shows `![alt](src)` as typed: consumes `![` as text so that the link rule does not see `[`. */
function imageAsText(state: StateInline, silent: boolean): boolean {
  if (state.src.charCodeAt(state.pos) !== 0x21 /* ! */ || state.src.charCodeAt(state.pos + 1) !== 0x5b /* [ */) return false;
  if (!silent) state.pending += '![';
  state.pos += 2;
  return true;
}

const md = new MarkdownIt('zero', { html: false, linkify: true, breaks: true }).enable([
  // block
  'blockquote',
  'code',
  'fence',
  'list',
  // inline (and the post-processing of emphasis and strikethrough)
  'autolink',
  'backticks',
  'emphasis',
  'escape',
  'link',
  'linkify',
  'newline',
  'strikethrough',
]);
md.inline.ruler.before('link', 'image_as_text', imageAsText);
md.linkify = linkFinder;
md.validateLink = (url) => httpHref(url) !== null;
// The link text of a found URL is the URL as typed, not decoded: punycode shown as Unicode would
// let `xn--80ak6aa92e.com` pass for `apple.com`.
md.normalizeLinkText = (url) => url;

/** Text with its `@name`s split out, found by the server's own rule (findMentions). */
function textWithMentions(text: string, into: MdNode[]): void {
  let last = 0;
  for (const mention of findMentions(text)) {
    if (mention.index > last) into.push({ kind: 'text', text: text.slice(last, mention.index) });
    into.push({ kind: 'mention', text: mention.text, name: mention.name });
    last = mention.index + mention.text.length;
  }
  if (last < text.length) into.push({ kind: 'text', text: text.slice(last) });
}

const OPENING_TAGS: Partial<Record<string, FormatTag>> = {
  paragraph_open: 'p',
  blockquote_open: 'blockquote',
  bullet_list_open: 'ul',
  ordered_list_open: 'ol',
  list_item_open: 'li',
  strong_open: 'strong',
  em_open: 'em',
  s_open: 's',
};

/** A node for an opening token, or null: its content then joins the parent's (a tight list's paragraph). */
function opened(token: Token): Extract<MdNode, { children: MdNode[] }> | null {
  if (token.type === 'link_open') {
    const href = httpHref(String(token.attrGet('href') ?? ''));
    return href === null ? null : { kind: 'link', href, children: [] };
  }
  const tag = OPENING_TAGS[token.type];
  if (tag === undefined || token.hidden) return null;
  const start = Number(token.attrGet('start') ?? 1);
  return tag === 'ol' && start !== 1 ? { kind: 'element', tag, children: [], start } : { kind: 'element', tag, children: [] };
}

/** Appends the nodes of a token stream (block or inline: both are flat, with nesting). */
function append(tokens: Token[], into: MdNode[]): void {
  // Each open token pushes the list its content goes to; in a link, `@name` is link text.
  const stack: Array<{ children: MdNode[]; inLink: boolean }> = [{ children: into, inLink: false }];
  for (const token of tokens) {
    const top = stack[stack.length - 1]!;
    if (token.nesting === 1) {
      const node = opened(token);
      if (node) top.children.push(node);
      stack.push({ children: node ? node.children : top.children, inLink: top.inLink || token.type === 'link_open' });
    } else if (token.nesting === -1) {
      if (stack.length > 1) stack.pop();
    } else if (token.type === 'inline') {
      append(token.children ?? [], top.children);
    } else if (token.type === 'fence' || token.type === 'code_block') {
      const code = token.content.replace(/\n$/, '');
      top.children.push({ kind: 'element', tag: 'pre', children: [{ kind: 'element', tag: 'code', children: [{ kind: 'text', text: code }] }] });
    } else if (token.type === 'code_inline') {
      top.children.push({ kind: 'element', tag: 'code', children: [{ kind: 'text', text: token.content }] });
    } else if (token.type === 'softbreak' || token.type === 'hardbreak') {
      top.children.push({ kind: 'break' });
    } else if (token.content !== '') {
      // `text`, and `text_special` (a backslash escape); anything else the rules could make is text too.
      if (top.inLink) top.children.push({ kind: 'text', text: token.content });
      else textWithMentions(token.content, top.children);
    }
  }
}

/** The formatted tree of a message's text. */
export function formatMessage(text: string): MdNode[] {
  const nodes: MdNode[] = [];
  append(md.parse(text, {}), nodes);
  return nodes;
}
