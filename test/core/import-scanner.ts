// Reads TypeScript sources for the boundary tests: their module specifiers, and their code
// with comments and string contents blanked out.

/** Module specifiers imported or re-exported by `source`, with their line numbers. */
export function importsOf(source: string): { specifier: string; line: number }[] {
  const found: { specifier: string; line: number }[] = [];
  const pattern = /\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;
  for (let match = pattern.exec(source); match !== null; match = pattern.exec(source)) {
    found.push({ specifier: match[1]!, line: source.slice(0, match.index).split('\n').length });
  }
  return found;
}

/**
 * Blanks out comments and the contents of string and template literals (keeping line breaks),
 * so that prose about `Date.now()` in a comment is not a hit. Import specifiers are read
 * separately from the original text.
 */
export function stripCommentsAndStrings(source: string): string {
  let out = '';
  let i = 0;
  const n = source.length;
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  while (i < n) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      // Emit the quotes, blank the contents; template substitutions stay code (`${Date.now()}` is a hit).
      out += c;
      let j = i + 1;
      while (j < n && source[j] !== c) {
        if (source[j] === '\\') {
          out += blank(source.slice(j, j + 2));
          j += 2;
        } else if (c === '`' && source[j] === '$' && source[j + 1] === '{') {
          let depth = 1;
          let k = j + 2;
          while (k < n && depth > 0) {
            if (source[k] === '{') depth++;
            else if (source[k] === '}') depth--;
            k++;
          }
          out += source.slice(j, k);
          j = k;
        } else {
          out += blank(source[j]!);
          j++;
        }
      }
      if (j < n) out += c;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
