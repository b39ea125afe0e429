// The match expressions each store gets for the terms of parseQuery: every term must be present
// (AND). Terms come from our tokenizer, but they are still user text, so each is quoted for the
// store's query language here and the result is passed as a bound parameter, never spliced into
// SQL. The table definitions these were proven against (test/search/search-plan.test.ts):
//   SQLite:     CREATE VIRTUAL TABLE … USING fts5(terms, tokenize='porter unicode61 remove_diacritics 0')
//               … WHERE t MATCH ?                      -- ftsMatch(terms)
//   PostgreSQL: tsv tsvector = to_tsvector('english', terms), GIN index
//               … WHERE tsv @@ to_tsquery('english', $1)  -- tsQuery(terms)

function requireTerms(terms: readonly string[]): void {
  // An empty MATCH is a syntax error in FTS5 and an empty tsquery matches nothing in PostgreSQL:
  // the caller answers "no results" itself (parseQuery says when there are no terms).
  if (terms.length === 0) throw new RangeError('a search needs at least one term');
}

/**
 * FTS5 MATCH text: each term a quoted string (an inner `"` doubled), space-separated, which FTS5
 * reads as an AND. Quoting keeps words such as AND, OR, NOT, NEAR and `col:` syntax literal; the
 * table's tokenizer still stems inside the quotes, as it did when indexing.
 */
export function ftsMatch(terms: readonly string[]): string {
  requireTerms(terms);
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' ');
}

/**
 * tsquery text for `to_tsquery('english', $1)`: each term a quoted lexeme (backslash and `'`
 * escaped with a backslash), joined by `&`. Quoting keeps `&`, `|`, `!`, `:*` and `<->` literal;
 * to_tsquery still runs each quoted term through the `english` configuration (stemming it as
 * the document was), and a term the parser splits in two becomes a phrase of both.
 */
export function tsQuery(terms: readonly string[]): string {
  requireTerms(terms);
  return terms.map((term) => `'${term.replace(/[\\']/g, (ch) => `\\${ch}`)}'`).join(' & ');
}
