// The layout of the data tables under schemas/ (kubernetes-fields.json, crd-shapes.json): JSON with
// the large member (a map or a list) last and one of its entries per line, so `check` parses only
// the entries it reaches (src/manifest/table-file.ts reads it; test/table-file.test.ts ties both).

/** The table's text: `head`'s members, then `member` (an object or an array) one entry per line. */
export function tableText(head, member, entries) {
  const lines = Array.isArray(entries)
    ? entries.map((entry) => JSON.stringify(entry))
    : Object.entries(entries).map(([key, entry]) => `${JSON.stringify(key)}:${JSON.stringify(entry)}`);
  const [open, close] = Array.isArray(entries) ? ['[', ']'] : ['{', '}'];
  const headText = JSON.stringify({ ...head, [member]: Array.isArray(entries) ? [] : {} });
  // The head with the member emptied ends in `"member":[]}` or `"member":{}}`: opened, not closed.
  const opened = headText.slice(0, -3) + open;
  return `${opened}\n${lines.join(',\n')}\n${close}}\n`;
}
