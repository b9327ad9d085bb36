#!/usr/bin/env node
// Regenerates the rule catalogue in README.md from the rule modules (npm run readme).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderCatalogueMarkdown } from '../dist/rules/catalogue.js';

const readmeUrl = new URL('../README.md', import.meta.url);
const START = '<!-- rules:start -->';
const END = '<!-- rules:end -->';
const readme = readFileSync(readmeUrl, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`README.md needs ${START} and ${END} markers`);
const next = `${readme.slice(0, start + START.length)}\n${renderCatalogueMarkdown()}\n${readme.slice(end)}`;
writeFileSync(readmeUrl, next);
console.log(next === readme ? 'README.md rule catalogue is up to date' : 'README.md rule catalogue updated');
