import { isProbeOrScrape } from './probe-or-scrape';

describe('isProbeOrScrape', () => {
  it.each(['/health/live', '/health/ready', '/metrics', '/metrics?name[]=x'])('%s is', (path) => {
    expect(isProbeOrScrape(path)).toBe(true);
  });

  it.each([undefined, '/', '/api/v1/projects', '/metricsx', '/api/v1/metrics'])('%s is not', (path) => {
    expect(isProbeOrScrape(path)).toBe(false);
  });
});
