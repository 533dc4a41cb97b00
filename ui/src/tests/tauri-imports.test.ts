// @vitest-environment node
// Architecture rule: only src/backend/tauri.ts and the generated src/backend/bindings.ts may
// import @tauri-apps/*. Everything else talks to the Backend interface, so tests can mock it and
// the page renders in a plain browser.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..');
const ALLOWED = new Set(['backend/tauri.ts', 'backend/bindings.ts']);
const SOURCE_FILE = /\.(ts|js|mjs|cjs|svelte)$/;

// `import … from "x"`, `import "x"`, `export … from "x"`, `import("x")`, `require("x")`.
// The package name is assembled so this file does not match its own pattern.
const TAURI = '@tauri' + '-apps';
const IMPORT_OF_TAURI = new RegExp(
  String.raw`(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"\x60]${TAURI}(?:/|['"\x60])`,
);

export function importsTauri(source: string): boolean {
  return IMPORT_OF_TAURI.test(source);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return SOURCE_FILE.test(entry.name) ? [path] : [];
  });
}

describe('the @tauri-apps import rule', () => {
  it('recognises every form of import', () => {
    for (const source of [
      `import { invoke } from '${TAURI}/api/core';`,
      `import {\n  listen,\n} from "${TAURI}/api/event";`,
      `import '${TAURI}/api';`,
      `export { invoke } from '${TAURI}/api/core';`,
      `const m = await import('${TAURI}/api/core');`,
      `const m = require("${TAURI}/api");`,
      `import type { Event } from '${TAURI}/api/event';`,
    ]) {
      expect(importsTauri(source), source).toBe(true);
    }
    expect(importsTauri(`import { commands } from './bindings';`)).toBe(false);
    expect(importsTauri(`// talks to ${TAURI} only through the Backend`)).toBe(false);
  });

  it('finds the source files it checks, including the allowed ones', () => {
    const files = sourceFiles(SRC).map((file) => relative(SRC, file).split(sep).join('/'));
    expect(files).toContain('backend/tauri.ts');
    expect(files).toContain('backend/bindings.ts');
    expect(files).toContain('App.svelte');
    expect(files.length).toBeGreaterThan(15);
  });

  it('holds: no other file under src imports @tauri-apps', () => {
    const offenders = sourceFiles(SRC)
      .map((file) => relative(SRC, file).split(sep).join('/'))
      .filter((file) => !ALLOWED.has(file))
      .filter((file) => importsTauri(readFileSync(join(SRC, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('holds: only src/backend imports the generated bindings', () => {
    const offenders = sourceFiles(SRC)
      .map((file) => relative(SRC, file).split(sep).join('/'))
      .filter((file) => !file.startsWith('backend/'))
      .filter((file) => /from\s*['"][./]*backend\/bindings['"]/.test(readFileSync(join(SRC, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
