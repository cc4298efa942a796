// Renders docs/environment-variables.md from the variables' definitions: names, rule and
// default from the modules themselves, the one-line description and the `@option` /
// `@default` tags from their TSDoc (read with the TypeScript compiler, so that no
// description ships in a bundle). A test fails when the committed page is stale.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import type { Variable } from '../src/config/env';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ENV_DOCS_PATH = resolve(ROOT, 'docs/environment-variables.md');

interface Section {
  /** The heading, whose GitHub anchor is `id`: links into the page depend on it. */
  title: string;
  id: string;
  source: string;
  intro: string;
}

const HANDLER_POLICY =
  'A bad value, or a required variable unset, stops the function at start with an error naming the variable ' +
  'and its value.';

const SECTIONS: Section[] = [
  {
    title: 'Library',
    id: 'library',
    source: 'src/config/library-env.ts',
    intro:
      'Read by `withTracing`, `tracing` and `hoptrace/lambda`. The OpenTelemetry variables first; `HOPTRACE_*` ' +
      'only where OpenTelemetry has none. An option passed in code (`withTracing(handler, options)`, ' +
      '`tracing(options)`) overrides its variable. A bad value never breaks a handler: it is reported once ' +
      '(`[hoptrace] NAME="value" must be …`) and the default is used (for a list of `k=v` pairs, the ' +
      'well-formed pairs). Process-wide choices (the propagators) come from the first wrapper created.',
  },
  {
    title: 'Ingest',
    id: 'ingest',
    source: 'handlers/ingest/env.ts',
    intro: `Read once per sandbox by the ingest function. ${HANDLER_POLICY}`,
  },
  {
    title: 'Archive',
    id: 'archive',
    source: 'handlers/archive/env.ts',
    intro: `Read by the archive function, the stream's consumer that writes the span table. ${HANDLER_POLICY}`,
  },
  {
    title: 'Tail sampler',
    id: 'tail-sampler',
    source: 'handlers/tail-sampler/env.ts',
    intro: `Read by the stream consumer: which traces are kept, and where decisions live. ${HANDLER_POLICY}`,
  },
  {
    title: 'Forwarder',
    id: 'forwarder',
    source: 'handlers/tail-sampler/forward-env.ts',
    intro: `The tail sampler's sending half: where kept traces go, and how. ${HANDLER_POLICY}`,
  },
];

interface Doc {
  description: string;
  option?: string;
  defaultText?: string;
}

/** An export of a component module: its own TSDoc, or the re-exported one's. */
interface Entry {
  name: string;
  doc: Doc | undefined;
}

function jsDoc(node: ts.Node): Doc | undefined {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
  const doc = docs?.[docs.length - 1];
  if (!doc) return undefined;
  const description = ts.getTextOfJSDocComment(doc.comment)?.replace(/\s+/g, ' ').trim() ?? '';
  const tag = (name: string): string | undefined => {
    const found = doc.tags?.find((t) => t.tagName.text === name);
    return found ? ts.getTextOfJSDocComment(found.comment)?.replace(/\s+/g, ' ').trim() : undefined;
  };
  return { description, option: tag('option'), defaultText: tag('default') };
}

/** A module's own exports in source order, then those it re-exports (shared with other components). */
function entries(file: string): Entry[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const result: Entry[] = [];
  const shared: Entry[] = [];
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement) && statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) result.push({ name: declaration.name.text, doc: jsDoc(statement) });
      }
    }
    const specifier = ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
    const clause = ts.isExportDeclaration(statement) ? statement.exportClause : undefined;
    if (specifier && ts.isStringLiteral(specifier) && clause && ts.isNamedExports(clause)) {
      const origin = new Map(entries(resolve(dirname(file), `${specifier.text}.ts`)).map((e) => [e.name, e]));
      for (const element of clause.elements) {
        const original = origin.get((element.propertyName ?? element.name).text);
        shared.push({ name: element.name.text, doc: original?.doc });
      }
    }
  }
  return [...result, ...shared];
}

/** The members of `TracingOptions`, which `@option` must name. */
function tracingOptions(): Set<string> {
  const file = resolve(ROOT, 'src/config/options.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const options = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'TracingOptions',
  );
  return new Set(options?.members.flatMap((m) => (m.name && ts.isIdentifier(m.name) ? [m.name.text] : [])) ?? []);
}

const isVariable = (value: unknown): value is Variable<unknown> =>
  typeof value === 'object' && value !== null && 'names' in value && 'parser' in value && 'default' in value;

const code = (s: string): string => `\`${s}\``;
const cell = (s: string): string => s.replace(/\|/g, '\\|');

function renderDefault(v: Variable<unknown>): string {
  const value = v.default;
  if (value === undefined) return 'none';
  if (Array.isArray(value)) return value.length > 0 ? code(value.join(',')) : 'none';
  if (typeof value === 'object') return Object.keys(value as object).length > 0 ? code(JSON.stringify(value)) : 'none';
  if (typeof value === 'string') return code(value);
  if (typeof value === 'boolean') return code(String(value));
  return String(value);
}

function defaultCell(where: string, v: Variable<unknown>, doc: Doc): string {
  if (doc.defaultText !== undefined && v.default !== undefined) {
    const set = renderDefault(v);
    throw new Error(`${where}: @default "${doc.defaultText}" describes a default the code sets (${set}); drop the tag`);
  }
  if (v.required) return 'required';
  return doc.defaultText ?? renderDefault(v);
}

async function renderSection(section: Section, options: Set<string>): Promise<string> {
  const file = resolve(ROOT, section.source);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const library = section.id === 'library';
  const columns = ['variable', ...(library ? ['option'] : []), 'accepts', 'default', 'meaning'];
  const header = `| ${columns.join(' | ')} |\n|${' --- |'.repeat(columns.length)}`;
  const rows = entries(file).flatMap(({ name, doc }) => {
    const v = module[name];
    if (!isVariable(v)) return [];
    const where = `${section.source}: ${name}`;
    if (!doc?.description) throw new Error(`${where}: a variable needs a one-line TSDoc description`);
    if (doc.option !== undefined && !options.has(doc.option.split('.')[0]!)) {
      throw new Error(`${where}: @option ${doc.option} is not a TracingOptions member`);
    }
    const [first, ...others] = v.names.map(code);
    const names = others.length > 0 ? `${first} (or ${others.join(', ')})` : first!;
    const option = library ? [doc.option ? code(doc.option) : ''] : [];
    const cells = [names, ...option, v.parser.rule, defaultCell(where, v, doc), doc.description];
    return [`| ${cells.map(cell).join(' | ')} |`];
  });
  return `## ${section.title}\n\n${section.intro} Defined in \`${section.source}\`.\n\n${header}\n${rows.join('\n')}\n`;
}

export async function renderEnvDocs(): Promise<string> {
  const options = tracingOptions();
  const sections = await Promise.all(SECTIONS.map((s) => renderSection(s, options)));
  const contents = SECTIONS.map((s) => `- [${s.title}](#${s.id})`).join('\n');
  return (
    '# Environment variables\n\n' +
    "Generated by `npm run render:env` from the variables' definitions (the module each section names); edit those, " +
    'not this page. A test fails when the two disagree. "Accepts" is the rule a value must meet; "or" names the ' +
    'variables read, in order, when the first is unset. A blank value counts as unset.\n\n' +
    `${contents}\n\n${sections.join('\n')}`
  );
}
