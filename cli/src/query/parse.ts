import {
  KINDS,
  STATUSES,
  type Condition,
  type Field,
  type KindName,
  type Literal,
  type Operator,
  type Query,
  type StatusName,
} from './ast';

/** A query that does not parse: `column` (1-based) is where the parser stopped. */
export class QuerySyntaxError extends Error {
  override readonly name = 'QuerySyntaxError';
  constructor(
    readonly reason: string,
    readonly column: number,
  ) {
    super(`column ${column}: ${reason}`);
  }
}

const MAX_SPANSETS = 31;
// Longest first, so `>=` is not read as `>` then `=`.
const OPERATORS: Operator[] = ['=~', '!~', '!=', '>=', '<=', '=', '>', '<'];
const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const NUMBER = /^-?\d+(?:\.\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_.\-/:]*/;
/** What a span's attribute key may hold after `span.`, `resource.` or `.`. */
const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.\-/:]*/;

class Parser {
  private at = 0;
  private spansetCount = 0;
  constructor(private readonly text: string) {}

  fail(reason: string, at = this.at): never {
    throw new QuerySyntaxError(reason, at + 1);
  }

  private skip(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }

  private peek(token: string): boolean {
    this.skip();
    return this.text.startsWith(token, this.at);
  }

  private eat(token: string): boolean {
    if (!this.peek(token)) return false;
    this.at += token.length;
    return true;
  }

  private expect(token: string, what: string): void {
    if (!this.eat(token)) this.fail(`expected ${what}${this.describeHere()}`);
  }

  private describeHere(): string {
    this.skip();
    return this.at >= this.text.length ? ', found the end' : `, found "${this.text.slice(this.at, this.at + 12)}"`;
  }

  private match(pattern: RegExp): string | undefined {
    this.skip();
    const found = pattern.exec(this.text.slice(this.at));
    if (!found) return undefined;
    this.at += found[0].length;
    return found[0];
  }

  parse(): Query {
    const query = this.query();
    this.skip();
    if (this.at < this.text.length) this.fail(`expected && or || between spansets${this.describeHere()}`);
    return query;
  }

  private query(): Query {
    let left = this.queryAnd();
    while (this.eat('||')) left = { type: 'or', left, right: this.queryAnd() };
    return left;
  }

  private queryAnd(): Query {
    let left = this.spanset();
    while (this.eat('&&')) left = { type: 'and', left, right: this.spanset() };
    return left;
  }

  private spanset(): Query {
    if (this.eat('(')) {
      const inner = this.query();
      this.expect(')', ')');
      return inner;
    }
    this.expect('{', 'a spanset "{ … }"');
    // Each spanset is one bit of a 32-bit mask per span.
    if (this.spansetCount === MAX_SPANSETS) this.fail(`more than ${MAX_SPANSETS} spansets`);
    const index = this.spansetCount++;
    if (this.eat('}')) return { type: 'spanset', index, condition: { type: 'true' } };
    const condition = this.or();
    this.expect('}', '"}" or && or ||');
    return { type: 'spanset', index, condition };
  }

  private or(): Condition {
    let left = this.and();
    while (this.eat('||')) left = { type: 'or', left, right: this.and() };
    return left;
  }

  private and(): Condition {
    let left = this.atom();
    while (this.eat('&&')) left = { type: 'and', left, right: this.atom() };
    return left;
  }

  private atom(): Condition {
    if (this.eat('(')) {
      const inner = this.or();
      this.expect(')', ')');
      return inner;
    }
    const fieldAt = (this.skip(), this.at);
    const field = this.field();
    this.skip();
    const opAt = this.at;
    const op = OPERATORS.find((o) => this.eat(o));
    if (!op) this.fail(`expected an operator (= != > >= < <= =~ !~)${this.describeHere()}`);
    this.skip();
    const valueAt = this.at;
    const value = this.literal();
    check(field, op, value, (reason, where) =>
      this.fail(reason, where === 'field' ? fieldAt : where === 'op' ? opAt : valueAt),
    );
    return { type: 'compare', field, op, value };
  }

  private field(): Field {
    const start = this.at;
    if (this.eat('.')) return { type: 'attribute', scope: 'any', key: this.key() };
    const word = this.match(IDENT);
    if (word === undefined)
      this.fail(
        `expected a field (name, status, kind, duration, resource.…, span.…, .…, event:name, event.…)${this.describeHere()}`,
      );
    if (word === 'name' || word === 'status' || word === 'kind' || word === 'duration') return { type: word };
    if (word === 'resource.service.name') return { type: 'service' };
    for (const scope of ['span', 'resource'] as const) {
      if (word.startsWith(`${scope}.`) && word.length > scope.length + 1)
        return { type: 'attribute', scope, key: word.slice(scope.length + 1) };
    }
    if (word === 'event:name') return { type: 'eventName' };
    if (word.startsWith('event.') && word.length > 'event.'.length)
      return { type: 'eventAttribute', key: word.slice('event.'.length) };
    if (word.startsWith('event:')) this.fail(`unknown event field "${word}" (event:name, event.<attribute>)`, start);
    return this.fail(
      `unknown field "${word}" (name, status, kind, duration, resource.<attribute>, span.<attribute>, .<attribute>, event:name, event.<attribute>)`,
      start,
    );
  }

  private key(): string {
    const key = this.text.slice(this.at).match(KEY)?.[0];
    if (key === undefined) this.fail('expected an attribute name after "."');
    this.at += key.length;
    return key;
  }

  private literal(): Literal {
    if (this.peek('"')) return { type: 'string', value: this.string() };
    const number = this.match(NUMBER);
    if (number !== undefined) {
      const unit = /^(ns|us|µs|ms|s|m|h)(?![A-Za-z0-9_])/.exec(this.text.slice(this.at))?.[0];
      if (unit === undefined) return { type: 'number', value: Number(number) };
      this.at += unit.length;
      return { type: 'duration', value: Number(number) * DURATION_UNITS[unit]! };
    }
    const word = this.match(/^[A-Za-z_]+/);
    if (word === 'true' || word === 'false') return { type: 'boolean', value: word === 'true' };
    if (word !== undefined && (STATUSES as readonly string[]).includes(word))
      return { type: 'status', value: word as StatusName };
    if (word !== undefined && (KINDS as readonly string[]).includes(word))
      return { type: 'kind', value: word as KindName };
    if (word !== undefined) this.at -= word.length;
    return this.fail(
      `expected a value: a "quoted string", a number, a duration (250ms), true/false, a status or a kind${this.describeHere()}`,
    );
  }

  private string(): string {
    const start = this.at;
    this.at++;
    let out = '';
    while (this.at < this.text.length) {
      const c = this.text[this.at++]!;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const escaped = this.text[this.at++];
      if (escaped === undefined) break;
      out += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
    }
    return this.fail('a string that is not closed with "', start);
  }
}

type Where = 'field' | 'op' | 'value';

/** The field, operator and value fit together: text fields take strings, status takes a status, and so on. */
function check(field: Field, op: Operator, value: Literal, fail: (reason: string, where: Where) => never): void {
  const regex = op === '=~' || op === '!~';
  const ordered = op === '>' || op === '>=' || op === '<' || op === '<=';
  const want = (types: Literal['type'][], what: string): void => {
    if (!types.includes(value.type)) fail(`${fieldName(field)} is compared with ${what}`, 'value');
  };
  if (regex) {
    if (value.type !== 'string') fail(`${op} takes a regular expression in quotes`, 'value');
    try {
      new RegExp(value.value);
    } catch (error) {
      fail(`not a regular expression: ${(error as Error).message}`, 'value');
    }
    if (field.type === 'status' || field.type === 'kind' || field.type === 'duration')
      fail(`${op} does not apply to ${field.type}`, 'op');
    return;
  }
  switch (field.type) {
    case 'name':
    case 'service':
    case 'eventName':
      return want(['string'], 'a "quoted string"');
    case 'duration':
      return want(['duration'], 'a duration such as 250ms');
    case 'status':
      want(['status'], 'ok, error or unset');
      if (ordered) fail('status takes = or !=', 'op');
      return;
    case 'kind':
      want(['kind'], 'server, client, producer, consumer or internal');
      if (ordered) fail('kind takes = or !=', 'op');
      return;
    case 'attribute':
    case 'eventAttribute':
      want(['string', 'number', 'boolean'], 'a "quoted string", a number or true/false');
      if (value.type === 'boolean' && ordered) fail('true and false take = or !=', 'op');
  }
}

function fieldName(field: Field): string {
  switch (field.type) {
    case 'attribute':
      return field.scope === 'any' ? `.${field.key}` : `${field.scope}.${field.key}`;
    case 'eventAttribute':
      return `event.${field.key}`;
    case 'eventName':
      return 'event:name';
    case 'service':
      return 'resource.service.name';
    default:
      return field.type;
  }
}

/** The query `{ … } && { … }`, or a QuerySyntaxError saying where it stops making sense. */
export function parseQuery(text: string): Query {
  return new Parser(text).parse();
}
