#!/usr/bin/env node
import '../dist/bundle/mlready.js';
