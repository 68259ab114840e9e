/// <reference types="vite/client" />
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Read from disk: Vitest hands CSS imports to tests as empty modules.
const css = readFileSync(join(import.meta.dirname, 'styles.css'), 'utf8');
const theme = readFileSync(join(import.meta.dirname, 'theme.css'), 'utf8');

// Every component's source, read as text (Vite's glob import, so no file-system access is needed).
const sources = import.meta.glob(['./**/*.tsx', '!./**/*.test.tsx'], { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '');

/** The class names a TSX source gives elements: `class="a b"`, and the string literals in `class={…}` / `className=…`. */
function classesIn(source: string): Set<string> {
  const found = new Set<string>();
  const add = (list: string) => list.split(/\s+/).filter(Boolean).forEach((c) => found.add(c));
  for (const m of source.matchAll(/\b(?:class|className)="([^"]*)"/g)) add(m[1] ?? '');
  for (const m of source.matchAll(/\b(?:class|className)=\{([^}]*)\}/g)) {
    for (const literal of (m[1] ?? '').matchAll(/'([^'$]*)'|"([^"$]*)"/g)) add(literal[1] ?? literal[2] ?? '');
  }
  return found;
}

/** The class names any selector in the stylesheet names. */
function classesStyled(stylesheet: string): Set<string> {
  const found = new Set<string>();
  const selectors = withoutComments(stylesheet).replace(/\{[^{}]*\}/g, ' ');
  for (const m of selectors.matchAll(/\.(-?[A-Za-z_][\w-]*)/g)) found.add(m[1] ?? '');
  return found;
}

describe('the stylesheet', () => {
  it('defines every class the components use', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    const styled = classesStyled(css);
    const missing: string[] = [];
    for (const [file, source] of Object.entries(sources)) {
      for (const name of classesIn(source)) if (!styled.has(name)) missing.push(`${name} (${file})`);
    }
    expect(missing).toEqual([]);
  });

  it('finds class names the way the check above relies on', () => {
    expect([...classesIn(`<p class="a b" /><i class={x ? 'c' : "d"} /><B className="e" />`)].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(classesStyled('.a, button.b:hover { color: red } /* .z */ @media (x) { .c > .d-e { } }')).toEqual(
      new Set(['a', 'b', 'c', 'd-e']),
    );
  });

  it('has no hard-coded colours: they all come from the design tokens', () => {
    const values = [...withoutComments(css).matchAll(/:\s*([^;{}]+);/g)].map((m) => m[1] ?? '');
    const colour = /#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(|\b(?:white|black|red|green|blue|gray|grey|orange|yellow)\b/;
    expect(values.filter((v) => colour.test(v))).toEqual([]);
    expect(css).toContain('var(--cpd-color-');
  });

  it('takes the dark and high-contrast themes from the system settings', () => {
    expect(theme).toMatch(/cpd-theme-dark-semantic-mq\.css'[^;]*\(prefers-color-scheme: dark\)/);
    expect(theme).toMatch(/cpd-theme-light-hc-semantic-mq\.css'[^;]*\(prefers-contrast: more\)/);
    expect(theme).not.toMatch(/https?:/);
  });
});
