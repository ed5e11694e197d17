// Reads the module specifiers of TypeScript sources, for the host-boundary and layer tests.

/** Module specifiers imported or re-exported by `source`, with their line numbers. */
export function importsOf(source: string): { specifier: string; line: number }[] {
  const found: { specifier: string; line: number }[] = [];
  const pattern = /\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;
  for (let match = pattern.exec(source); match !== null; match = pattern.exec(source)) {
    found.push({ specifier: match[1]!, line: source.slice(0, match.index).split('\n').length });
  }
  return found;
}
