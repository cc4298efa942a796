import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scope, Statement } from '../../cli/src/archive/archive-sql';
import { athenaLiteral } from '../../cli/src/archive/athena';
import type { PlainRow, SpanTable } from '../../cli/src/archive/duckdb-table';

// `--athena` through the real AWS SDK v3 Athena client against a loopback stand-in that
// speaks Athena's JSON protocol. The stand-in cannot run Trino SQL: it checks the SQL it
// receives (the Athena rendering, nothing of DuckDB's dialect, one quoted literal per `?`),
// and answers with the rows the DuckDB rendering of the same question gives on the same
// table, as Athena returns them (every cell as text, typed by ResultSetMetadata, the first
// page led by the column names, pages of at most `page` rows), after a QUEUED and a RUNNING
// look. So the client's polling, paging, type conversion and error paths all run; the
// Athena SQL itself is only checked, never executed.

export const WORKGROUP = 'hoptrace-spans';
export const DATABASE = 'hoptrace';
const DUCKDB_ONLY = /quantile_disc|epoch_us|epoch_ns|\/\/|to_json|string_agg|recursive :=|\[\?\]|\['/;

interface Canned {
  columns: string[];
  rows: PlainRow[];
}

export type Failure = { state: 'FAILED' | 'CANCELLED'; reason: string };

export class AthenaStandIn {
  readonly server: Server;
  /** Athena statement (SQL and literal parameters) → the rows to answer. */
  readonly answers = new Map<string, Canned>();
  readonly calls: string[] = [];
  /** Each started query's ExecutionParameters, in order. */
  readonly parameters: string[][] = [];
  /** The next query ends this way instead of succeeding. */
  failNext: Failure | undefined;
  readonly executions = new Map<string, { canned?: Canned; failure?: Failure; polls: number }>();

  /** `page`: the most rows a GetQueryResults page holds (Athena's is 1,000). */
  constructor(readonly page: number) {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '').replace('AmazonAthena.', '');
        this.calls.push(target);
        const reply = (status: number, payload: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(payload));
        };
        const invalid = (message: string): void => reply(400, { __type: 'InvalidRequestException', Message: message });
        if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256'))
          return invalid('request not signed');
        const input = JSON.parse(body) as Record<string, unknown>;
        if (target === 'StartQueryExecution') {
          const sql = String(input.QueryString);
          const parameters = (input.ExecutionParameters as string[] | undefined) ?? [];
          this.parameters.push(parameters);
          if (input.WorkGroup !== WORKGROUP) return invalid(`WorkGroup ${String(input.WorkGroup)} is not found.`);
          if ((input.QueryExecutionContext as { Database?: string }).Database !== DATABASE)
            return invalid('wrong database');
          if (DUCKDB_ONLY.test(sql)) return invalid(`DuckDB syntax in the Athena query: ${DUCKDB_ONLY.exec(sql)![0]}`);
          if ((sql.match(/\?/g) ?? []).length !== parameters.length)
            return invalid('ExecutionParameters do not match the placeholders');
          if (!parameters.every((p) => /^'(?:[^']|'')*'$|^-?\d+(\.\d+)?$/.test(p)))
            return invalid('an ExecutionParameter that is not a literal');
          const canned = this.answers.get(`${sql}\n${parameters.join('\n')}`);
          const failure = this.failNext;
          this.failNext = undefined;
          if (!canned && !failure) return invalid(`no canned answer for this query:\n${sql}\n${parameters.join(', ')}`);
          const id = `q-${this.executions.size + 1}`;
          this.executions.set(id, { ...(canned ? { canned } : {}), ...(failure ? { failure } : {}), polls: 0 });
          return reply(200, { QueryExecutionId: id });
        }
        const execution = this.executions.get(String(input.QueryExecutionId));
        if (!execution) return invalid('QueryExecution not found');
        if (target === 'GetQueryExecution') {
          execution.polls++;
          const state =
            execution.polls === 1
              ? 'QUEUED'
              : execution.polls === 2
                ? 'RUNNING'
                : (execution.failure?.state ?? 'SUCCEEDED');
          return reply(200, {
            QueryExecution: {
              QueryExecutionId: input.QueryExecutionId,
              Status: {
                State: state,
                ...(execution.failure && execution.polls > 2 ? { StateChangeReason: execution.failure.reason } : {}),
              },
              Statistics: { DataScannedInBytes: 123456 },
            },
          });
        }
        if (target === 'GetQueryResults') {
          const { columns, rows } = execution.canned!;
          const start = input.NextToken ? Number(input.NextToken) : 0;
          const size = Math.min(Number(input.MaxResults ?? 1000), this.page);
          const text = (value: PlainRow[string]) => (value === null ? {} : { VarCharValue: String(value) });
          const page = rows
            .slice(start, start + size)
            .map((row) => ({ Data: columns.map((c) => text(row[c] ?? null)) }));
          const header = start === 0 ? [{ Data: columns.map((c) => ({ VarCharValue: c })) }] : [];
          return reply(200, {
            ResultSet: {
              Rows: [...header, ...page],
              ResultSetMetadata: {
                ColumnInfo: columns.map((c) => ({
                  CatalogName: 'hive',
                  SchemaName: '',
                  TableName: '',
                  Name: c,
                  Label: c,
                  Type: typeOf(rows, c),
                  Precision: 0,
                  Scale: 0,
                  Nullable: 'UNKNOWN',
                  CaseSensitive: false,
                })),
              },
            },
            ...(start + size < rows.length ? { NextToken: String(start + size) } : {}),
            UpdateCount: 0,
          });
        }
        return invalid(`unexpected call ${target}`);
      });
    });
  }

  /** Listens on a free loopback port; the endpoint to give `--endpoint`. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Cans the answer to one question in an Athena scope: the rows its DuckDB rendering gives on `table`. */
  async can(table: SpanTable, question: (scope: Scope) => Statement, scope: Scope): Promise<void> {
    const athena = question(scope);
    const duck = question({ ...scope, dialect: 'duckdb', table: 'otel_traces' });
    const rows = await table.select(duck.sql, duck.parameters);
    const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
    this.answers.set(`${athena.sql}\n${athena.parameters.map(athenaLiteral).join('\n')}`, { columns, rows });
  }
}

/** The Athena type of a column, as the engine would declare it from the values. */
function typeOf(rows: PlainRow[], column: string): string {
  const values = rows.map((r) => r[column]).filter((v) => v !== null && v !== undefined);
  if (values.length > 0 && values.every((v) => typeof v === 'number'))
    return values.every((v) => Number.isInteger(v)) ? 'bigint' : 'double';
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'boolean';
  return 'varchar';
}
