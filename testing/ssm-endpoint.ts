import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Parameter = { type: 'String' | 'SecureString'; value: string };

export interface SsmEndpoint {
  url: string;
  /** GetParameter calls answered, by parameter name. */
  reads: Map<string, number>;
  /** Stores a parameter, or replaces its value, as `aws ssm put-parameter --overwrite` does. */
  put(name: string, parameter: Parameter): void;
  /**
   * How the next calls are answered: `hang` keeps them open without an answer, `fail`
   * answers SSM's InternalServerError; undefined answers normally.
   */
  fault: 'hang' | 'fail' | undefined;
  /** Calls received and not answered (held by `hang`). */
  readonly held: number;
  close(): Promise<void>;
}

/**
 * A loopback endpoint that answers GetParameter as SSM does (the AWS JSON 1.1 protocol the
 * SDK's SSMClient speaks): SecureString values only when asked `WithDecryption`, and
 * `ParameterNotFound` for any other name; or, on demand, never or with an internal error.
 */
export async function startSsmEndpoint(initial: Record<string, Parameter>): Promise<SsmEndpoint> {
  const parameters = { ...initial };
  const reads = new Map<string, number>();
  let held = 0;
  const endpoint = {
    reads,
    fault: undefined as SsmEndpoint['fault'],
    put: (name: string, parameter: Parameter) => {
      parameters[name] = parameter;
    },
    get held() {
      return held;
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (endpoint.fault === 'hang') {
        held++;
        res.on('close', () => held--);
        return;
      }
      const answer = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'local' });
        res.end(JSON.stringify(body));
      };
      if (endpoint.fault === 'fail')
        return answer(500, { __type: 'InternalServerError', message: 'An internal error occurred' });
      if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter')
        return answer(400, { __type: 'UnknownOperationException', message: String(req.headers['x-amz-target']) });
      const { Name, WithDecryption } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
        Name?: string;
        WithDecryption?: boolean;
      };
      const parameter = Name === undefined ? undefined : parameters[Name];
      if (Name === undefined || parameter === undefined)
        return answer(400, { __type: 'ParameterNotFound', message: `Parameter ${Name} not found.` });
      reads.set(Name, (reads.get(Name) ?? 0) + 1);
      const value = parameter.type === 'SecureString' && !WithDecryption ? 'AQICAHencrypted' : parameter.value;
      return answer(200, {
        Parameter: {
          Name,
          Type: parameter.type,
          Value: value,
          Version: 1,
          ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${Name}`,
          DataType: 'text',
        },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(endpoint, {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      // Ends the calls `hang` holds, which would keep the server open.
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
