// The package's public API, read with TypeScript's own compiler from the entry points: what each
// exports (a new export is a decision, made here), and that every export documents itself with an
// example, and every option its default, as Powertools' packages do.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const ENTRIES = {
  hoptrace: {
    file: 'src/index.ts',
    exports: [
      'AwsClientLike',
      'LambdaCallback',
      'LambdaContext',
      'LambdaHandler',
      'MiddyMiddleware',
      'MiddyRequest',
      'SamplerName',
      'SpanLimits',
      'TraceLogFields',
      'TracedHandler',
      'TracingOptions',
      'flush',
      'instrumentAwsClient',
      'traceLogFields',
      'traceRecord',
      'tracing',
      'withTracing',
    ],
  },
  'hoptrace/powertools': {
    file: 'src/powertools/index.ts',
    exports: [
      'ANNOTATION_PREFIX',
      'CaptureLambdaHandlerOptions',
      'CaptureMethodOptions',
      'METADATA_PREFIX',
      'MethodDecorator',
      'Tracer',
      'TracerOptions',
      'captureLambdaHandler',
    ],
  },
  'hoptrace/durable': {
    file: 'src/durable/index.ts',
    exports: ['DURABLE_ATTRIBUTES', 'DurableTracingPlugin', 'durableInvocationContext', 'withDurableTracing'],
  },
  // A preload: it registers the extension and exports nothing.
  'hoptrace/lambda': { file: 'src/lambda/index.ts', exports: [] },
} as const;

// Every member of these has a default, which its TSDoc states.
const OPTION_TYPES = [
  'TracingOptions',
  'SpanLimits',
  'TracerOptions',
  'CaptureLambdaHandlerOptions',
  'CaptureMethodOptions',
];

const program = ts.createProgram(
  Object.values(ENTRIES).map((e) => `${ROOT}${e.file}`),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  },
);
const checker = program.getTypeChecker();

function exportsOf(file: string): ts.Symbol[] {
  const source = program.getSourceFile(`${ROOT}${file}`);
  if (!source) throw new Error(`${file} is not in the program`);
  const module = checker.getSymbolAtLocation(source);
  return module ? checker.getExportsOfModule(module) : [];
}

const resolved = (symbol: ts.Symbol): ts.Symbol =>
  symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;

function tagsOf(symbol: ts.Symbol): string[] {
  return (symbol.declarations ?? []).flatMap((d) => {
    // A `const` carries its TSDoc on its statement, not its declarator.
    const node = ts.isVariableDeclaration(d) ? d.parent.parent : d;
    return ts.getJSDocTags(node).map((t) => t.tagName.text);
  });
}

/** The methods a user calls: public, and not the hooks of an interface the class implements (the SDK calls those). */
function publicMethods(symbol: ts.Symbol): ts.Symbol[] {
  const declaration = symbol.declarations?.find(ts.isClassDeclaration);
  if (!declaration) return [];
  const hooks = new Set(
    (declaration.heritageClauses ?? [])
      .filter((h) => h.token === ts.SyntaxKind.ImplementsKeyword)
      .flatMap((h) =>
        h.types.flatMap((t) =>
          checker
            .getTypeAtLocation(t)
            .getProperties()
            .map((p) => p.name),
        ),
      ),
  );
  return declaration.members
    .filter((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m))
    .filter((m) => !(ts.getCombinedModifierFlags(m) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)))
    .filter((m) => !hooks.has(m.name.getText()))
    .map((m) => checker.getSymbolAtLocation(m.name)!)
    .filter(Boolean);
}

describe('the public API', () => {
  it.each(Object.entries(ENTRIES))('%s exports what it means to, and nothing else', (_name, entry) => {
    expect(
      exportsOf(entry.file)
        .map((s) => s.name)
        .sort(),
    ).toEqual([...entry.exports].sort());
  });

  const all = Object.values(ENTRIES).flatMap((e) => exportsOf(e.file).map((s) => [s.name, resolved(s)] as const));

  it.each(all)('%s carries an example', (_name, symbol) => {
    expect(tagsOf(symbol)).toContain('example');
  });

  const methods = all.flatMap(([name, symbol]) => publicMethods(symbol).map((m) => [`${name}.${m.name}`, m] as const));

  it('the classes have public methods to check', () => {
    expect(methods.length).toBeGreaterThan(10);
  });

  it.each(methods)('%s carries an example', (_name, method) => {
    expect(tagsOf(method)).toContain('example');
  });

  const options = all
    .filter(([name]) => OPTION_TYPES.includes(name))
    .flatMap(([name, symbol]) =>
      checker
        .getDeclaredTypeOfSymbol(symbol)
        .getProperties()
        .map((p) => [`${name}.${p.name}`, p] as const),
    );

  it('every option type is exported', () => {
    expect(new Set(options.map(([name]) => name.split('.')[0]))).toEqual(new Set(OPTION_TYPES));
  });

  it.each(options)('%s states its default', (_name, property) => {
    expect(tagsOf(property)).toContain('default');
  });
});
