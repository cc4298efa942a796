import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SsmEndpoint {
  url: string;
  /** GetParameter calls answered, by parameter name. */
  reads: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A loopback endpoint that answers GetParameter as SSM does (the AWS JSON 1.1 protocol the
 * SDK's SSMClient speaks): SecureString values only when asked `WithDecryption`, and
 * `ParameterNotFound` for any other name.
 */
export async function startSsmEndpoint(parameters: Record<string, { type: 'String' | 'SecureString'; value: string }>): Promise<SsmEndpoint> {
  const reads = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'local' });
        res.end(JSON.stringify(body));
      };
      if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter') return answer(400, { __type: 'UnknownOperationException', message: String(req.headers['x-amz-target']) });
      const { Name, WithDecryption } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { Name?: string; WithDecryption?: boolean };
      const parameter = Name === undefined ? undefined : parameters[Name];
      if (Name === undefined || parameter === undefined) return answer(400, { __type: 'ParameterNotFound', message: `Parameter ${Name} not found.` });
      reads.set(Name, (reads.get(Name) ?? 0) + 1);
      const value = parameter.type === 'SecureString' && !WithDecryption ? 'AQICAHencrypted' : parameter.value;
      return answer(200, { Parameter: { Name, Type: parameter.type, Value: value, Version: 1, ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${Name}`, DataType: 'text' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    reads,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
