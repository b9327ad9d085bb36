#!/usr/bin/env node
// Regenerates the rule catalogue in README.md from the rule modules (npm run readme).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderCatalogueMarkdown, renderChecklistMarkdown } from '../dist/rules/catalogue.js';
import { renderKindsMarkdown } from '../dist/workloads/kinds.js';

const readmeUrl = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmeUrl, 'utf8');
let next = readme;
for (const [name, render] of [
  ['rules', renderCatalogueMarkdown],
  ['checklist', renderChecklistMarkdown],
  ['kinds', renderKindsMarkdown],
]) {
  const START = `<!-- ${name}:start -->`;
  const END = `<!-- ${name}:end -->`;
  const start = next.indexOf(START);
  const end = next.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md needs ${START} and ${END} markers`);
  next = `${next.slice(0, start + START.length)}\n${render()}\n${next.slice(end)}`;
}
writeFileSync(readmeUrl, next);
console.log(next === readme ? 'README.md rule catalogue is up to date' : 'README.md rule catalogue updated');
