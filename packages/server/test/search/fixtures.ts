// The shared table of search cases (issue 18): messages in English, Chinese, Japanese, Korean and
// mixed, and queries with the exact set of messages each must find. search-plan.test.ts runs it
// against real SQLite FTS5 and PostgreSQL with the tokens of src/search/; the store conformance
// suite runs it again through the stores' search. Stems listed here are only those on which
// FTS5's Porter stemmer and PostgreSQL's Snowball `english` agree (see search-plan.test.ts for
// the ones where they do not).

/** Message key → text. */
export const SEARCH_MESSAGES: Readonly<Record<string, string>> = {
  meetings: 'Two meetings tomorrow, the first at 10:00.',
  meetingRoom: 'Meeting room B is booked',
  run: 'I run every morning',
  runner: 'She is a fast runner',
  helloWorld: 'hello world',
  helloComma: 'Hello,World! How are you?',
  dont: "I don't know",
  email: 'send me an e-mail at user_name@example.com about v1.2',
  fullWidth: 'ＡＢＣ会社の発表',
  beijing: '我们明天在北京开会',
  beijingMeeting: '明天北京的meeting取消了',
  nanjing: '南京的天气很好',
  kaihui: '北京开会',
  japanese: '東京でコーヒーを飲みました',
  korean: '내일 회의가 있습니다',
  party: 'Party tonight 🎉🎉',
  partyCn: '生日快乐🎉',
  heart: 'love it ❤️',
  thumbsTone: 'ok 👍🏽',
  family: 'family 👨‍👩‍👧',
  stopWords: 'to be or not to be',
};

export interface SearchCase {
  /** What the user types in the search box (no from:/in:, the stores see only the terms). */
  query: string;
  /** Keys of SEARCH_MESSAGES the query must find, and no others. */
  expect: readonly string[];
  /** What the case shows. */
  why: string;
}

export const SEARCH_CASES: readonly SearchCase[] = [
  { query: 'meetings', expect: ['meetings', 'meetingRoom', 'beijingMeeting'], why: 'a plural finds the singular (stem "meet")' },
  { query: 'meeting', expect: ['meetings', 'meetingRoom', 'beijingMeeting'], why: 'a singular finds the plural' },
  { query: 'MEETING room', expect: ['meetingRoom'], why: 'case folds; every word must match' },
  { query: 'running', expect: ['run'], why: '"running" stems to "run" in both; "runner" is another stem' },
  { query: 'runner', expect: ['runner'], why: 'a different stem is not found by "run"' },
  { query: 'hello world', expect: ['helloWorld', 'helloComma'], why: 'words match across punctuation' },
  { query: 'hello,world', expect: ['helloWorld', 'helloComma'], why: 'punctuation in the query separates words' },
  { query: 'world hello', expect: ['helloWorld', 'helloComma'], why: 'order does not matter' },
  { query: "don't", expect: ['dont'], why: 'an apostrophe inside a word' },
  { query: 'dont', expect: ['dont'], why: 'the same word typed without its apostrophe' },
  { query: 'e-mail', expect: ['email'], why: 'hyphenated parts' },
  { query: 'user_name', expect: ['email'], why: 'underscore parts' },
  { query: 'v1.2', expect: ['email'], why: 'a version number as its parts' },
  { query: 'example', expect: ['email'], why: 'part of an address' },
  { query: 'abc', expect: ['fullWidth'], why: 'full-width letters fold to ASCII (NFKC)' },
  { query: 'ＡＢＣ', expect: ['fullWidth'], why: 'and full-width in the query too' },
  { query: '北京', expect: ['beijing', 'beijingMeeting', 'kaihui'], why: 'a two-character word inside a run' },
  { query: '京', expect: ['beijing', 'beijingMeeting', 'kaihui', 'nanjing', 'japanese'], why: 'a single character' },
  { query: '北京开会', expect: ['beijing', 'kaihui'], why: 'a longer run: all its pairs' },
  { query: '北会', expect: [], why: 'no false positive: 北 and 会 are in 北京开会 but not together' },
  { query: '京北', expect: [], why: 'pairs are ordered' },
  { query: '北京 meeting', expect: ['beijingMeeting'], why: 'a mixed query: Chinese and English words' },
  { query: '北京meeting', expect: ['beijingMeeting'], why: 'a mixed query without a space' },
  { query: '明天', expect: ['beijing', 'beijingMeeting'], why: 'another pair' },
  { query: '天气', expect: ['nanjing'], why: 'a pair at another place' },
  { query: '東京', expect: ['japanese'], why: 'Japanese kanji' },
  { query: 'コーヒー', expect: ['japanese'], why: 'katakana with the prolonged sound mark ー' },
  { query: '飲み', expect: ['japanese'], why: 'kanji and hiragana together' },
  { query: '회의', expect: ['korean'], why: 'a Korean word inside a longer one (회의가)' },
  { query: '🎉', expect: ['party', 'partyCn'], why: 'an emoji, alone or next to Chinese' },
  { query: 'party🎉', expect: ['party'], why: 'an emoji and a word' },
  { query: '❤', expect: ['heart'], why: 'the text-style heart finds the emoji-style one' },
  { query: '❤️', expect: ['heart'], why: 'the emoji-style heart' },
  { query: '👍', expect: ['thumbsTone'], why: 'an emoji finds it with a skin tone' },
  { query: '👍🏽', expect: ['thumbsTone'], why: 'the toned emoji itself' },
  { query: '👍🏻', expect: [], why: 'another skin tone is another emoji' },
  { query: '👨‍👩‍👧', expect: ['family'], why: 'a ZWJ sequence' },
  { query: '👩', expect: ['family'], why: 'a part of a ZWJ sequence' },
  { query: 'be not', expect: [], why: 'stop words only: no terms, nothing searched' },
  { query: 'the meeting', expect: ['meetings', 'meetingRoom', 'beijingMeeting'], why: 'a stop word is ignored' },
  { query: 'tonight party', expect: ['party'], why: 'two words of one message' },
  { query: 'tonight 北京', expect: [], why: 'every term must match' },
  { query: 'xyzzy', expect: [], why: 'nothing' },
];
