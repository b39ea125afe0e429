// Which passwords registration, `chat-server admin create` and ADMIN_PASSWORD_FILE accept
// (auth/password-policy.ts): 8 to 1024 characters, and none of the most common passwords, whatever
// their case. The list ships with the server (auth/common-passwords.json).
import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORD_COUNT, passwordProblem } from '../../src/auth/password-policy.js';

describe('passwordProblem', () => {
  it('accepts an uncommon password of 8 to 1024 characters', () => {
    for (const ok of ['correct horse battery staple', 'zq8!vk2#', 'p'.repeat(1024), 'pässwörd-ü', 'password1 but mine']) {
      expect(passwordProblem(ok), ok).toBeNull();
    }
  });

  it('refuses too short and too long ones, naming the rule', () => {
    expect(passwordProblem('seven77')).toMatch(/8 to 1024 characters/);
    expect(passwordProblem('x'.repeat(1025))).toMatch(/8 to 1024 characters/);
  });

  it.each(['password', '12345678', 'qwertyuiop', 'iloveyou', 'PassWord1', 'TRUSTNO1', 'sunshine'])(
    'refuses the common password %j, whatever its case',
    (common) => {
      expect(passwordProblem(common)).toMatch(/too common/);
    },
  );

  it('ships a list of a few thousand, all of 8 characters or more', () => {
    expect(COMMON_PASSWORD_COUNT).toBeGreaterThanOrEqual(2000);
  });
});
