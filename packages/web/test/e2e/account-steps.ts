// Steps of the account tests in Chromium: signing up or in on the welcome screen, and the
// sidebar and member list as a signed-in person sees them.
import type { Page } from 'playwright-core';
import { poll, waitOnline, type Person } from './people.js';

/** Registers or signs in on the welcome screen and waits for the chat to be online. */
export async function authenticate(person: Person, mode: 'register' | 'signin', username: string, password: string): Promise<void> {
  const page = person.page;
  await page.getByTestId(`auth-mode-${mode}`).click();
  await page.getByTestId('auth-username').fill(username);
  await page.getByTestId('auth-password').fill(password);
  await page.getByTestId('auth-submit').click();
  await waitOnline(page);
  await page.getByTestId('composer').waitFor({ state: 'visible' });
}

export const roomTitle = (page: Page) => page.locator('.room-title').innerText();
export const roomList = (page: Page) => page.getByTestId('room-list');
export const noticeText = (page: Page) => page.getByTestId('notice').innerText();
export const confirmationText = (page: Page) => page.getByTestId('confirmation').innerText();
export const memberActions = (page: Page, nick: string) => page.locator('.member-row', { hasText: nick }).getByTestId('member-actions');

/** Creates a room from the sidebar's form (private when asked) and waits until it is open. */
export async function createRoom(page: Page, name: string, options: { private?: boolean } = {}): Promise<void> {
  if (options.private) await page.getByTestId('new-room-private').check();
  await page.getByTestId('new-room').fill(name);
  await page.getByTestId('new-room').press('Enter');
  await poll(() => roomTitle(page)).toContain(name);
  if (options.private) await page.getByTestId('new-room-private').uncheck();
}

export const createPrivateRoom = (page: Page, name: string) => createRoom(page, name, { private: true });

/** Invites a username to the open private room from its invite bar. */
export async function invite(page: Page, username: string): Promise<void> {
  if ((await page.getByTestId('invite-username').count()) === 0) await page.getByTestId('invite').click();
  await page.getByTestId('invite-username').fill(username);
  await page.getByTestId('invite-username').press('Enter');
}
