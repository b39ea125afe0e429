// Proof of the search plan in the real stores (issue 18): the tokens of indexText, indexed by
// SQLite FTS5 with 'porter unicode61' and by PostgreSQL as to_tsvector('english', …) with a GIN
// index, and searched with ftsMatch / tsQuery of parseQuery's terms, find exactly the messages
// of the shared fixture table, in both stores alike. The store code will index the same way;
// this test pins down the token forms and expressions it relies on.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexText, parseQuery } from '../../src/search/search-text.js';
import { ENGLISH_STOP_WORDS } from '../../src/search/stop-words.js';
import { isCjkChar } from '../../src/search/text-scan.js';
import { ftsMatch, tsQuery } from '../../src/search/store-match.js';
import { createSchema, servicesAvailable } from '../services.js';
import { SEARCH_CASES, SEARCH_MESSAGES } from './fixtures.js';

/** The two stores under the same small interface: index documents, then find keys by terms. */
interface PlanStore {
  add(docs: Record<string, string>): Promise<void>;
  find(terms: string[]): Promise<string[]>;
  close(): Promise<void>;
}

const FTS5_TABLE = "CREATE VIRTUAL TABLE docs USING fts5(terms, tokenize='porter unicode61 remove_diacritics 0')";

function sqlitePlan(): PlanStore {
  const db = new Database(':memory:');
  db.exec(FTS5_TABLE);
  db.exec('CREATE TABLE doc_keys (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE)');
  const insertKey = db.prepare('INSERT INTO doc_keys (key) VALUES (?)');
  const insertDoc = db.prepare('INSERT INTO docs (rowid, terms) VALUES (?, ?)');
  const select = db.prepare('SELECT k.key FROM docs JOIN doc_keys k ON k.id = docs.rowid WHERE docs MATCH ?');
  return {
    async add(docs) {
      db.transaction(() => {
        for (const [key, text] of Object.entries(docs)) insertDoc.run(insertKey.run(key).lastInsertRowid, indexText(text));
      })();
    },
    async find(terms) {
      return (select.all(ftsMatch(terms)) as Array<{ key: string }>).map((row) => row.key).sort();
    },
    async close() {
      db.close();
    },
  };
}

const PG_TABLE = `CREATE TABLE docs (
  key text PRIMARY KEY,
  terms text NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', terms)) STORED
)`;

async function pgPlan(): Promise<PlanStore & { client: pg.Client }> {
  const schema = await createSchema('search_plan');
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  await client.query(PG_TABLE);
  await client.query('CREATE INDEX docs_tsv ON docs USING gin (tsv)');
  return {
    client,
    async add(docs) {
      for (const [key, text] of Object.entries(docs)) await client.query('INSERT INTO docs (key, terms) VALUES ($1, $2)', [key, indexText(text)]);
    },
    async find(terms) {
      const { rows } = await client.query<{ key: string }>("SELECT key FROM docs WHERE tsv @@ to_tsquery('english', $1)", [tsQuery(terms)]);
      return rows.map((row) => row.key).sort();
    },
    async close() {
      await client.end();
      await schema.drop();
    },
  };
}

const pgUp = await servicesAvailable(['postgres']);

type Fixture = () => Promise<PlanStore>;
const stores: Array<[string, Fixture, boolean]> = [
  ['sqlite', async () => sqlitePlan(), false],
  ['postgres', pgPlan, !pgUp],
];

for (const [name, open, skip] of stores) {
  describe.skipIf(skip)(`search plan on ${name}`, () => {
    let store: PlanStore;
    beforeAll(async () => {
      store = await open();
      await store.add(SEARCH_MESSAGES);
    });
    afterAll(() => store?.close());

    for (const { query, expect: expected, why } of SEARCH_CASES) {
      it(`${query} → [${expected.join(', ')}]: ${why}`, async () => {
        const { terms } = parseQuery(query);
        const found = terms.length === 0 ? [] : await store.find(terms);
        expect(found).toEqual([...expected].sort());
      });
    }

    it('finds each message by each of its own tokens (nothing the store drops but stop words)', async () => {
      for (const [key, text] of Object.entries(SEARCH_MESSAGES)) {
        for (const token of indexText(text).split(' ')) {
          if (token === '' || ENGLISH_STOP_WORDS.has(token)) continue;
          expect(await store.find([token]), `${key}: ${token}`).toContain(key);
        }
      }
    });

    it('takes query syntax in terms literally', async () => {
      // Our terms never hold these characters; the quoting must hold anyway, should one slip by.
      for (const term of ['a"b', "c'd", 'e\\f', 'OR', 'NEAR', 'x:*', '&', '!', '<->', 'terms:hello', '(', '*']) {
        await expect(store.find([term]), term).resolves.toBeInstanceOf(Array);
      }
      // Read as operators, these would find the hello messages; read literally, nothing has them.
      expect(await store.find(['hello', 'NEAR'])).toEqual([]);
      expect(await store.find(['terms:hello'])).toEqual([]);
      expect(await store.find(['hello|xyzzy'])).toEqual([]);
    });
  });
}

// Where the two stores differ, and why the tokenizer works around it where it can.
describe.skipIf(!pgUp)('search plan: sqlite and postgres side by side', () => {
  let sqlite: PlanStore;
  let postgres: PlanStore & { client: pg.Client };
  beforeAll(async () => {
    sqlite = sqlitePlan();
    postgres = await pgPlan();
    await sqlite.add(SEARCH_MESSAGES);
    await postgres.add(SEARCH_MESSAGES);
  });
  afterAll(async () => {
    await sqlite?.close();
    await postgres?.close();
  });
  const both = async (docs: Record<string, string>) => {
    await sqlite.add(docs);
    await postgres.add(docs);
  };
  const findIn = async (terms: string[]) => ({ sqlite: await sqlite.find(terms), postgres: await postgres.find(terms) });

  it('PostgreSQL ignores English stop words and FTS5 does not: parseQuery drops them', async () => {
    await both({ stop1: 'standup at noon', stop2: 'the standup at noon' });
    expect(await findIn(['the', 'standup'])).toEqual({ sqlite: ['stop2'], postgres: ['stop1', 'stop2'] });
    expect(parseQuery('the standup').terms).toEqual(['standup']);
    expect(await findIn(parseQuery('the standup').terms)).toEqual({ sqlite: ['stop1', 'stop2'], postgres: ['stop1', 'stop2'] });
  });

  it('Porter (FTS5) and Snowball English (PostgreSQL) stem some words differently', async () => {
    // Not in the shared fixtures, which list only what both agree on. Each store stems queries
    // as it stems documents, so a word always finds itself; only these cross-word matches differ.
    await both({ general: 'general', generate: 'generate', die: 'die', dying: 'dying', news: 'news', new: 'new', sky: 'sky', skies: 'skies' });
    expect(await findIn(['general'])).toEqual({ sqlite: ['general', 'generate'], postgres: ['general'] });
    expect(await findIn(['dying'])).toEqual({ sqlite: ['dying'], postgres: ['die', 'dying'] });
    expect(await findIn(['news'])).toEqual({ sqlite: ['new', 'news'], postgres: ['news'] });
    expect(await findIn(['skies'])).toEqual({ sqlite: ['skies'], postgres: ['skies', 'sky'] });
  });

  it("plainto_tsquery('english', terms joined by spaces) answers as to_tsquery(tsQuery(terms)) does", async () => {
    // Either works for our terms, each one parser token; tsQuery is what the store uses, since a
    // term the parser splits (a word with combining marks) stays a phrase there.
    const { client } = postgres;
    let found = 0;
    for (const { query } of SEARCH_CASES) {
      const { terms } = parseQuery(query);
      if (terms.length === 0) continue;
      const { rows } = await client.query<{ key: string }>("SELECT key FROM docs WHERE tsv @@ plainto_tsquery('english', $1)", [terms.join(' ')]);
      expect(rows.map((row) => row.key).sort(), query).toEqual(await postgres.find(terms));
      found += rows.length;
    }
    expect(found).toBeGreaterThan(50);
  });

  it('keeps every emoji token as it is: no stemming, nothing dropped', async () => {
    // A hex form would not survive: FTS5's Porter stemmer cuts e1f3ed (🏭) to e1f3.
    const emoji = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if ((cp < 0xd800 || cp > 0xdfff) && /\p{Extended_Pictographic}/u.test(String.fromCodePoint(cp))) emoji.push(String.fromCodePoint(cp));
    }
    // (A few fold to letters under NFKC, ™ → tm, ℹ → i: those are words, not emoji tokens.)
    const expected = indexText(emoji.join(' ')).split(' ').filter((token) => /^x\d/.test(token)).sort();
    expect(expected.length).toBeGreaterThan(2500);
    const db = new Database(':memory:');
    db.exec(`${FTS5_TABLE}; CREATE VIRTUAL TABLE vocab USING fts5vocab(docs, 'row')`);
    db.prepare('INSERT INTO docs (terms) VALUES (?)').run(expected.join(' '));
    expect((db.prepare('SELECT term FROM vocab').all() as Array<{ term: string }>).map((row) => row.term).sort()).toEqual(expected);
    db.close();
    const { client } = postgres;
    const { rows } = await client.query<{ lexeme: string }>("SELECT unnest(tsvector_to_array(to_tsvector('english', $1))) AS lexeme", [expected.join(' ')]);
    expect(rows.map((row) => row.lexeme).sort()).toEqual(expected);
  });

  it('answers random mixed queries alike, and finds every message containing a query (property)', async () => {
    // A small vocabulary, so that words, characters and pairs repeat across messages.
    const vocabulary = ['meeting', 'meetings', 'run', 'running', 'hello', 'world', 'report', 'reports', "don't", 'e-mail', 'the', 'v1.2',
      '北', '京', '开', '会', '明', '天', '南', '我们', 'コ', 'ー', 'ヒ', '회', '의', '🎉', '👍', '👍🏽', '❤️', '👨‍👩‍👧', 'ＡＢＣ'];
    const separators = [' ', '', ', ', '。', '!'];
    const phrase = fc.array(fc.tuple(fc.constantFrom(...vocabulary), fc.constantFrom(...separators)), { minLength: 1, maxLength: 12 })
      .map((parts) => parts.map(([word, sep]) => word + sep).join(''));
    const corpus = fc.sample(phrase, { numRuns: 300, seed: 18 });
    const docs = Object.fromEntries(corpus.map((text, i) => [`r${i}`, text]));
    await both(docs);
    const queries = fc.sample(fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 3 }).map((words) => words.join('')), { numRuns: 300, seed: 19 });
    // A query cut out of a word (run out of running) is not a word of the text: not required.
    const wordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}'’]/u.test(ch.normalize('NFKC')) && !isCjkChar(ch);
    let containing = 0;
    for (const query of queries) {
      const { terms } = parseQuery(query);
      if (terms.length === 0) continue;
      const found = await findIn(terms);
      expect(found.postgres, query).toEqual(found.sqlite);
      for (const [key, text] of Object.entries(docs)) {
        const at = text.indexOf(query);
        if (at < 0 || wordChar(text[at - 1]) || wordChar(text[at + query.length])) continue;
        containing++;
        expect(found.sqlite, `${query} in ${text}`).toContain(key);
      }
    }
    expect(containing).toBeGreaterThan(100);
  });
});
