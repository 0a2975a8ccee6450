import { applyDecorators, Controller, Get, Param, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ENDPOINT_SORTS, MetricsQueryService, TIMESERIES_METRICS, TimeWindow } from '@vigil/monitoring';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { CacheCategory, QueryCache, tallyOf } from '../cache/query-cache';
import { QueryReader } from './query-reader';

type RawQuery = Record<string, unknown>;
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;

const optional = (name: string, description: string, values?: readonly string[]) =>
  ApiQuery({ name, required: false, description, ...(values ? { enum: [...values] } : {}) });

/** The parameters every analytics query takes. */
const WindowAndScope = () =>
  applyDecorators(
    optional('window', 'e.g. 15m, 24h, 7d (default 24h); or from/to'),
    optional('from', 'ISO-8601 start'),
    optional('to', 'ISO-8601 end (default now)'),
    optional('project', 'project id'),
    optional('service', 'service name'),
  );

/** Latency, errors and throughput from the rollups (admin token). */
@ApiTags('analytics')
@ApiBearerAuth()
@Controller('api/v1')
@UseGuards(AdminTokenGuard)
export class AnalyticsController {
  constructor(
    private readonly metrics: MetricsQueryService,
    private readonly cache: QueryCache,
  ) {}

  /** Keyed by the validated query as given, so a relative window (`24h`) is as fresh as the category's TTL. */
  private cached<T>(category: CacheCategory, query: RawQuery, request: object, compute: () => Promise<T>): Promise<T> {
    return this.cache.get(category, query, compute, tallyOf(request));
  }

  @Get('metrics/summary')
  @RequireRole('viewer')
  @WindowAndScope()
  summary(@Query() query: RawQuery, @Req() request: object) {
    const q = new QueryReader(query);
    const [window, scope] = [q.window(), scopeOf(q)];
    q.done();
    return this.cached('summary', query, request, () => this.metrics.summary(window, scope));
  }

  @Get('metrics/endpoints')
  @RequireRole('viewer')
  @WindowAndScope()
  @ApiQuery({ name: 'sort', required: false, enum: [...ENDPOINT_SORTS] })
  @ApiQuery({ name: 'order', required: false, enum: ['asc', 'desc'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  endpoints(@Query() query: RawQuery, @Req() request: object) {
    const q = new QueryReader(query);
    const [window, scope] = [q.window(), scopeOf(q)];
    const page = {
      sort: q.oneOf('sort', ENDPOINT_SORTS, 'p95'),
      order: q.oneOf('order', ['asc', 'desc'] as const, 'desc'),
      limit: q.number('limit', { min: 1, max: 1000, fallback: 50, integer: true }),
      offset: q.number('offset', { min: 0, max: 1_000_000, fallback: 0, integer: true }),
    };
    q.done();
    return this.cached('endpoints', query, request, () => this.metrics.endpoints(window, scope, page));
  }

  @Get('metrics/timeseries')
  @RequireRole('viewer')
  @WindowAndScope()
  @ApiQuery({ name: 'metric', required: false, enum: [...TIMESERIES_METRICS] })
  @ApiQuery({ name: 'step', required: false, description: '1m, 5m, 1h, 1d …' })
  @ApiQuery({ name: 'route', required: false })
  timeseries(@Query() query: RawQuery, @Req() request: object) {
    const q = new QueryReader(query);
    const [window, scope] = [q.window(Date.now(), '6h'), { ...scopeOf(q), route: q.text('route', 1024) }];
    const metric = q.oneOf('metric', TIMESERIES_METRICS, 'p95');
    const step = q.text('step', 10) ?? '1m';
    q.done();
    return this.cached('timeseries', query, request, () => this.metrics.timeseries(window, scope, metric, step));
  }

  @Get('metrics/slow-requests')
  @RequireRole('viewer')
  @WindowAndScope()
  @ApiQuery({ name: 'threshold_ms', required: false })
  @ApiQuery({ name: 'limit', required: false })
  slowRequests(@Query() query: RawQuery) {
    const q = new QueryReader(query);
    const [window, scope] = [q.window(), scopeOf(q)];
    const threshold = q.number('threshold_ms', { min: 0, max: 86_400_000, fallback: 2000 });
    const limit = q.number('limit', { min: 1, max: 1000, fallback: 50, integer: true });
    q.done();
    return this.metrics.slowRequests(window, scope, threshold, limit);
  }

  @Get('metrics/slow-queries')
  @RequireRole('viewer')
  @WindowAndScope()
  @ApiQuery({ name: 'limit', required: false })
  slowQueries(@Query() query: RawQuery) {
    const q = new QueryReader(query);
    const [window, scope] = [q.window(), scopeOf(q)];
    const limit = q.number('limit', { min: 1, max: 1000, fallback: 50, integer: true });
    q.done();
    return this.metrics.slowQueries(window, scope, limit);
  }

  @Get('errors')
  @RequireRole('viewer')
  @WindowAndScope()
  @ApiQuery({ name: 'severity', required: false, enum: [...SEVERITIES, 'ALL'] })
  @ApiQuery({ name: 'limit', required: false })
  errors(@Query() query: RawQuery) {
    const q = new QueryReader(query);
    const [window, scope] = [q.window(), scopeOf(q)];
    const severity = q.oneOf('severity', [...SEVERITIES, 'ALL'] as const, 'ALL');
    const limit = q.number('limit', { min: 1, max: 1000, fallback: 50, integer: true });
    q.done();
    return this.metrics.errorGroups(window, { ...scope, severity: severity === 'ALL' ? undefined : severity }, limit);
  }

  @Get('errors/:fingerprint')
  @RequireRole('viewer')
  @WindowAndScope()
  @ApiQuery({ name: 'limit', required: false })
  errorGroup(@Param('fingerprint') fingerprint: string, @Query() query: RawQuery) {
    const q = new QueryReader({ ...query, fingerprint });
    q.text('fingerprint', 64);
    const [window, scope] = [q.window(Date.now(), '7d'), scopeOf(q)];
    const limit = q.number('limit', { min: 1, max: 200, fallback: 20, integer: true });
    q.done();
    return this.metrics.errorGroup(fingerprint, window, scope, limit);
  }

  @Get('dashboard')
  @RequireRole('viewer')
  @WindowAndScope()
  dashboard(@Query() query: RawQuery, @Req() request: object) {
    const q = new QueryReader(query);
    const [window, scope] = [q.window(), scopeOf(q)];
    q.done();
    return this.cached('dashboard', query, request, () => this.dashboardOf(window, scope));
  }

  private async dashboardOf(window: TimeWindow, scope: ReturnType<typeof scopeOf>) {    const span = window.to - window.from;
    const step = span <= 6 * 3_600_000 ? '1m' : span <= 3 * 86_400_000 ? '1h' : '1d';
    const [summary, endpoints, slowQueries, errors, ...series] = await Promise.all([
      this.metrics.summary(window, scope),
      this.metrics.endpoints(window, scope, { sort: 'p95', order: 'desc', limit: 10, offset: 0 }),
      this.metrics.slowQueries(window, scope, 10),
      this.metrics.errorGroups(window, scope, 10),
      ...(['throughput', 'errorRate', 'p50', 'p95', 'p99'] as const).map((metric) => this.metrics.timeseries(window, scope, metric, step)),
    ]);
    return {
      window: summary.window,
      summary,
      worstEndpoints: endpoints.items,
      slowQueries: slowQueries.items,
      errors: errors.items,
      timeseries: Object.fromEntries(series.map((s) => [s.metric, s.points])),
      step,
    };
  }
}

function scopeOf(q: QueryReader) {
  return { projectId: q.uuid('project'), service: q.text('service', 100) };
}
