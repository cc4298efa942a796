import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type ColumnInfo,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { TABLE_NAME } from '../../../span-table/catalog';
import { clientConfig, commonAwsProblem } from '../aws-client';
import { CliError } from '../errors';
import type { ArchiveEngine } from './archive-read';
import type { Statement } from './archive-sql';
import type { PlainRow } from './duckdb-table';

export interface AthenaOptions {
  workgroup: string;
  database: string;
  region?: string;
  endpoint?: string;
  /** The first wait between two looks at a running query; it doubles up to a second. */
  firstPollMs?: number;
}

const NUMBER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint', 'double', 'real', 'float', 'decimal']);
const PAGE = 1000;
const MAX_POLL_MS = 1000;

/**
 * A parameter as Athena's ExecutionParameters take it: the text of a SQL literal (Athena
 * puts it in place of its `?` as written), so a string is quoted and its quotes doubled.
 */
export function athenaLiteral(value: string | number): string {
  return typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;
}

/** A result cell as a plain value: Athena returns every cell as text, typed by its column. */
function cell(text: string | undefined, column: ColumnInfo): PlainRow[string] {
  if (text === undefined) return null;
  const type = column.Type?.toLowerCase() ?? 'varchar';
  if (NUMBER_TYPES.has(type)) return Number(text);
  if (type === 'boolean') return text === 'true';
  return text;
}

/** Why a query did not succeed, as the user can act on it. */
function failed(execution: QueryExecution, options: AthenaOptions): CliError {
  const state = execution.Status?.State;
  const reason = execution.Status?.StateChangeReason ?? 'no reason given';
  const scanned = execution.Statistics?.DataScannedInBytes;
  if (state === 'CANCELLED' && /bytes scanned|data usage|scan(ned)? limit/i.test(reason)) {
    return new CliError(
      `Athena cancelled the query: it would scan more than workgroup "${options.workgroup}" allows a query (${reason}${scanned !== undefined ? `; ${scanned} bytes scanned` : ''}). Read fewer days with --since, or raise the workgroup's bytes-scanned cap`,
    );
  }
  return new CliError(
    `Athena query ${execution.QueryExecutionId ?? ''} ${state === 'CANCELLED' ? 'was cancelled' : 'failed'}: ${reason}`,
  );
}

/** `--athena --workgroup W --database D`: the span table on S3, queried through Athena. */
export function athenaArchive(options: AthenaOptions, client = new AthenaClient(clientConfig(options))): ArchiveEngine {
  const call = async <T>(send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      const common = commonAwsProblem(error, 'Athena', options.endpoint);
      if (common) throw common;
      const e = error as { name?: string; message?: string };
      const where = `workgroup "${options.workgroup}", database "${options.database}"`;
      const reason = `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
      throw new CliError(`Athena (${where}) refused the query: ${reason}`, 1, { cause: error });
    }
  };

  async function finished(id: string): Promise<void> {
    let wait = options.firstPollMs ?? 100;
    for (;;) {
      const { QueryExecution: execution } = await call(() =>
        client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      );
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED' || state === 'CANCELLED') throw failed(execution!, options);
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, MAX_POLL_MS);
    }
  }

  return {
    description: `Athena ${options.database}.${TABLE_NAME} (workgroup ${options.workgroup})`,
    async select({ sql, parameters }: Statement) {
      const started = await call(() =>
        client.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            WorkGroup: options.workgroup,
            QueryExecutionContext: { Database: options.database },
            ...(parameters.length > 0 ? { ExecutionParameters: parameters.map(athenaLiteral) } : {}),
          }),
        ),
      );
      const id = started.QueryExecutionId!;
      await finished(id);
      const rows: PlainRow[] = [];
      let next: string | undefined;
      let first = true;
      do {
        const token = next;
        const page = await call(() =>
          client.send(
            new GetQueryResultsCommand({
              QueryExecutionId: id,
              MaxResults: PAGE,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        );
        const columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        // A SELECT's first page starts with a row of the column names.
        for (const row of (page.ResultSet?.Rows ?? []).slice(first ? 1 : 0)) {
          const out: PlainRow = {};
          columns.forEach((column, i) => (out[column.Name!] = cell(row.Data?.[i]?.VarCharValue, column)));
          rows.push(out);
        }
        first = false;
        next = page.NextToken;
      } while (next);
      return rows;
    },
    close: () => client.destroy(),
  };
}
