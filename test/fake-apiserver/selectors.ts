/** Label and field selectors as the API server parses them (the subset kubectl and client-go send). */

type Requirement = { key: string; op: '=' | '!=' | 'exists' | '!exists' | 'in' | 'notin'; values: string[] };

export function parseSelector(text: string | null | undefined): Requirement[] {
  if (!text) return [];
  const out: Requirement[] = [];
  for (const part of text.match(/(?:[^,(]|\([^)]*\))+/g) ?? []) {
    const term = part.trim();
    let m;
    if ((m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term)))
      out.push({ key: m[1]!, op: m[2] === '!=' ? '!=' : '=', values: [m[3]!.trim()] });
    else if ((m = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(term)))
      out.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()) });
    else if ((m = /^!(\S+)$/.exec(term))) out.push({ key: m[1]!, op: '!exists', values: [] });
    else out.push({ key: term, op: 'exists', values: [] });
  }
  return out;
}

export function matches(requirements: Requirement[], lookup: (key: string) => string | undefined): boolean {
  return requirements.every(({ key, op, values }) => {
    const value = lookup(key);
    switch (op) {
      case '=':
        return value === values[0];
      case '!=':
        return value !== values[0];
      case 'exists':
        return value !== undefined;
      case '!exists':
        return value === undefined;
      case 'in':
        return value !== undefined && values.includes(value);
      case 'notin':
        return value === undefined || !values.includes(value);
    }
  });
}

export function fieldLookup(object: Record<string, unknown>): (key: string) => string | undefined {
  return (key) => {
    let current: unknown = object;
    for (const part of key.split('.'))
      current =
        current && typeof current === 'object' ? (current as Record<string, unknown>)[part] : undefined;
    return typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean'
      ? String(current)
      : undefined;
  };
}
