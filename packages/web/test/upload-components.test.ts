// @vitest-environment happy-dom
// Sending files from the composer (issue 17), in a DOM, uploading to a real HTTP server on an
// ephemeral port: the paperclip only where the server takes files, a pasted screenshot in the strip
// with its preview and progress, Send waiting for the uploads and then carrying the FILEs, the
// reasons a file failed (both languages) with Retry and Remove, waiting while offline, and the drop
// overlay of the chat.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { flushPromises, mount } from '@vue/test-utils';
import { defineComponent, h, nextTick, reactive } from 'vue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileInfo } from '@chat/protocol';
import MessageComposer from '../src/components/MessageComposer.vue';
import { takeFiles, uploadsOf, useDropZone } from '../src/components/composer-files.js';
import { chat, ui } from '../src/chat.js';
import { setLocale } from '../src/i18n.js';
import { newRoom, type RoomState } from '../src/lib/chat-client.js';

let server: Server;
/** Requests of files named `slow-*` wait for the test; `rate-*` is refused once, then taken. */
const held: Array<() => void> = [];
const refusedOnce = new Set<string>();
const names: string[] = [];

beforeEach(async () => {
  held.length = 0;
  names.length = 0;
  refusedOnce.clear();
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
    const part = form.get('file') as File;
    names.push(part.name);
    const json = (status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const reply = () => {
      if (part.name.startsWith('big')) return json(413, { error: 'bad_request', message: 'file too large' });
      if (part.name.startsWith('rate') && !refusedOnce.has(part.name)) {
        refusedOnce.add(part.name);
        return json(429, { error: 'rate_limited', message: 'too many uploads' });
      }
      json(201, { file: { id: `id-${part.name}`, name: part.name, size: part.size, type: part.type || 'text/plain', url: `files/x/${part.name}?sig=s` } });
    };
    if (part.name.startsWith('slow-')) held.push(reply);
    else reply();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  Object.assign(ui, { uploads: { maxBytes: 1024 * 1024, guests: false } });
  Object.assign(chat, { account: true, status: 'online', needsName: false });
});

afterEach(async () => {
  setLocale('en');
  Object.assign(ui, { uploads: null });
  Object.assign(chat, { account: false, status: 'offline' });
  for (const reply of held.splice(0)) reply();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function composer(name: string) {
  const room = reactive(newRoom(name)) as RoomState;
  const wrapper = mount(MessageComposer, { props: { room }, attachTo: document.body });
  return {
    wrapper,
    items: () => wrapper.findAll('[data-testid="upload-item"]'),
    send: () => wrapper.get('[data-testid="send"]'),
    note: () => wrapper.get('[data-testid="composer-counter"]').text(),
    /** Chooses files with the paperclip's file input. */
    async choose(...files: File[]) {
      const input = wrapper.get('[data-testid="file-input"]');
      Object.defineProperty(input.element, 'files', { value: files, configurable: true });
      await input.trigger('change');
    },
  };
}

/** Waits until `check` holds, letting the uploads, the server and Vue run. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    await flushPromises();
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never: ${what}`);
}

describe('the paperclip', () => {
  it('is there only when the server takes files, and for a guest only when guests may upload', async () => {
    const c = composer('clip');
    const clip = () => c.wrapper.find('[data-testid="attach-button"]');
    expect(clip().attributes('aria-label')).toBe('Attach files');
    expect(clip().element.tagName).toBe('BUTTON');
    expect(c.wrapper.get('[data-testid="file-input"]').attributes()).toMatchObject({ type: 'file', multiple: '' });
    chat.account = false;
    await nextTick();
    expect(clip().exists()).toBe(false);
    ui.uploads = { maxBytes: 10, guests: true };
    await nextTick();
    expect(clip().exists()).toBe(true);
    ui.uploads = null;
    await nextTick();
    expect(clip().exists()).toBe(false);
    expect(c.wrapper.find('[data-testid="file-input"]').exists()).toBe(false);
  });
});

describe('the strip of files', () => {
  it('takes a pasted screenshot, shows its preview and progress, holds Send until it is uploaded, then sends the caption with the FILE', async () => {
    const c = composer('paste');
    await c.wrapper.get('[data-testid="composer"]').setValue('look at this');
    const screenshot = new File(['png bytes'], 'slow-image.png', { type: 'image/png' });
    const shot = new File(['png bytes'], 'image.png', { type: 'image/png' });
    const paste = new Event('paste', { cancelable: true });
    Object.defineProperty(paste, 'clipboardData', { value: { files: [shot], getData: () => '' } });
    c.wrapper.get('[data-testid="composer"]').element.dispatchEvent(paste);
    expect(paste.defaultPrevented).toBe(true);
    await c.choose(screenshot);
    await until(() => c.items().length === 2 && uploadsOf('paste')[0]!.status === 'done', 'the strip with the pasted file uploaded');

    const [pasted, slow] = c.items();
    expect(pasted!.get('[data-testid="upload-name"]').text()).toMatch(/^paste-\d{8}-\d{6}\.png$/);
    expect(pasted!.get('img').attributes('src')).toMatch(/^blob:/);
    expect(pasted!.text()).toContain('9 B');
    const bar = slow!.get('[role="progressbar"]');
    expect(bar.attributes()).toMatchObject({ 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0', 'aria-label': 'Uploading slow-image.png' });
    expect(pasted!.find('[role="progressbar"]').exists()).toBe(false); // done: no bar
    // Send waits, and says why.
    expect(c.send().attributes('disabled')).toBeDefined();
    expect(c.note()).toBe('Sends once the files are uploaded…');
    await c.wrapper.get('[data-testid="composer"]').trigger('keydown', { key: 'Enter' });
    expect(c.wrapper.emitted('send')).toBeUndefined();

    held.splice(0).forEach((reply) => reply());
    await until(() => c.send().attributes('disabled') === undefined, 'Send enabled');
    expect(c.note()).toBe('');
    await c.wrapper.get('form').trigger('submit');
    const [[caption, files]] = c.wrapper.emitted('send') as [[string, FileInfo[]]];
    expect(caption).toBe('look at this');
    expect(files.map((f) => f.name)).toEqual([expect.stringMatching(/^paste-/), 'slow-image.png']);
    expect(names).toEqual(expect.arrayContaining(['slow-image.png', files[0]!.name]));
    await nextTick();
    expect(c.wrapper.find('[data-testid="upload-strip"]').exists()).toBe(false);
  });

  it('sends files without any text', async () => {
    const c = composer('silent');
    await c.choose(new File(['a'], 'notes.txt', { type: 'text/plain' }));
    await until(() => c.send().attributes('disabled') === undefined, 'Send enabled without text');
    await c.wrapper.get('form').trigger('submit');
    expect((c.wrapper.emitted('send')![0] as [string, FileInfo[]])[1].map((f) => f.id)).toEqual(['id-notes.txt']);
  });

  it('says why a file failed, offers Retry where another try can work, and Remove', async () => {
    const c = composer('fail');
    await c.wrapper.get('[data-testid="composer"]').setValue('caption');
    await c.choose(new File(['x'], 'big.bin'), new File(['y'], 'rate.txt'), new File(['z'.repeat(2 * 1024 * 1024)], 'huge.iso'));
    await until(() => uploadsOf('fail').every((e) => e.status === 'failed'), 'all failed');
    const [big, rate, huge] = c.items();
    expect(big!.get('[data-testid="upload-error"]').text()).toBe('Too big: files may be up to 1.0 MB.');
    expect(huge!.get('[data-testid="upload-error"]').attributes('role')).toBe('alert');
    expect(rate!.get('[data-testid="upload-error"]').text()).toBe('Too many uploads. Wait a moment and retry.');
    expect(names).toEqual(expect.arrayContaining(['big.bin', 'rate.txt']));
    expect(names).not.toContain('huge.iso'); // over maxBytes: never sent
    expect(big!.find('[data-testid="upload-retry"]').exists()).toBe(false);
    expect(c.send().attributes('disabled')).toBeDefined();
    expect(c.note()).toBe('Retry or remove the file that failed.');

    setLocale('zh-CN');
    await nextTick();
    expect(c.items()[1]!.get('[data-testid="upload-error"]').text()).toBe('上传太频繁了，请稍后重试。');
    setLocale('en');
    await nextTick();

    const retry = c.items()[1]!.get('[data-testid="upload-retry"]');
    expect(retry.attributes('aria-label')).toBe('Retry rate.txt');
    await retry.trigger('click');
    await until(() => uploadsOf('fail')[1]!.status === 'done', 'uploaded on retry');
    expect(c.items()[1]!.find('[data-testid="upload-error"]').exists()).toBe(false);

    for (const name of ['big.bin', 'huge.iso']) {
      const item = c.items().find((i) => i.text().includes(name))!;
      expect(item.get('[data-testid="upload-remove"]').attributes('aria-label')).toBe(`Remove ${name}`);
      await item.get('[data-testid="upload-remove"]').trigger('click');
    }
    expect(c.items().map((i) => i.get('[data-testid="upload-name"]').text())).toEqual(['rate.txt']);
    expect(c.send().attributes('disabled')).toBeUndefined();
    await c.wrapper.get('form').trigger('submit');
    expect(c.wrapper.emitted('send')).toEqual([['caption', [expect.objectContaining({ id: 'id-rate.txt' })]]]);
  });

  it('waits for the connection and uploads once it is back', async () => {
    chat.status = 'offline';
    const c = composer('offline');
    await c.choose(new File(['later'], 'later.txt'));
    await until(() => c.items().length === 1, 'in the strip');
    expect(c.items()[0]!.text()).toContain('Waiting for the connection…');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(names).toEqual([]);
    chat.status = 'online';
    await until(() => uploadsOf('offline')[0]?.status === 'done', 'uploaded when back online');
    expect(names).toEqual(['later.txt']);
    takeFiles('offline');
  });

  it('leaves a paste of text alone, even with a picture of it', async () => {
    const c = composer('text-paste');
    const paste = new Event('paste', { cancelable: true });
    Object.defineProperty(paste, 'clipboardData', { value: { files: [new File(['p'], 'image.png', { type: 'image/png' })], getData: (t: string) => (t === 'text/plain' ? 'A1 B1' : '') } });
    c.wrapper.get('[data-testid="composer"]').element.dispatchEvent(paste);
    expect(paste.defaultPrevented).toBe(false);
    await flushPromises();
    expect(c.wrapper.find('[data-testid="upload-strip"]').exists()).toBe(false);
  });
});

describe('dropping files on the chat', () => {
  const Pane = defineComponent({
    setup() {
      const drop = useDropZone(() => 'dropped');
      return () => h('section', { ...Object.fromEntries(Object.entries(drop.handlers).map(([k, f]) => [`on${k[0]!.toUpperCase()}${k.slice(1)}`, f])) }, [
        h('p', 'messages'),
        drop.dragging.value ? h('div', { 'data-testid': 'drop-overlay' }, 'Drop files to share') : null,
      ]);
    },
  });
  const dragEvent = (type: string, files: File[] = [], types = ['Files']) => {
    const event = new Event(type, { bubbles: true, cancelable: true });
    Object.defineProperty(event, 'dataTransfer', { value: { types, files, dropEffect: 'none' } });
    return event;
  };

  it('shows the overlay while files are over it, hides it on leave, and adds dropped files', async () => {
    const wrapper = mount(Pane, { attachTo: document.body });
    const overlay = () => wrapper.find('[data-testid="drop-overlay"]');
    const section = wrapper.get('section').element;
    const inner = wrapper.get('p').element;
    section.dispatchEvent(dragEvent('dragenter', [], ['text/plain']));
    await nextTick();
    expect(overlay().exists()).toBe(false); // text, not files
    section.dispatchEvent(dragEvent('dragenter'));
    inner.dispatchEvent(dragEvent('dragenter'));
    inner.dispatchEvent(dragEvent('dragleave'));
    await nextTick();
    expect(overlay().text()).toBe('Drop files to share'); // still over the pane
    section.dispatchEvent(dragEvent('dragleave'));
    await nextTick();
    expect(overlay().exists()).toBe(false);

    section.dispatchEvent(dragEvent('dragenter'));
    const over = dragEvent('dragover');
    section.dispatchEvent(over);
    expect(over.defaultPrevented).toBe(true); // else the browser opens the file in place of the chat
    const drop = dragEvent('drop', [new File(['d'], 'dropped.txt')]);
    section.dispatchEvent(drop);
    expect(drop.defaultPrevented).toBe(true);
    await until(() => uploadsOf('dropped').length === 1, 'the dropped file in the strip');
    expect(overlay().exists()).toBe(false);
    await until(() => uploadsOf('dropped')[0]!.status === 'done', 'uploaded');
    expect(takeFiles('dropped').map((f) => f.name)).toEqual(['dropped.txt']);
  });
});
