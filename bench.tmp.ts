import { reportSize } from './bench/report-size';
import { viewerReport } from './bench/viewer';
async function main() {
  console.log(JSON.stringify(await viewerReport(3)));
  console.log(JSON.stringify(await reportSize()));
}
void main();
