import { Counter, Gauge, Registry } from 'prom-client';

/** Prometheus metrics of one cloud; `/metrics` serves them. */
export class CloudMetrics {
  readonly registry = new Registry();
  readonly jobsRequests = new Counter({
    name: 'otasim_jobs_requests_total', help: 'Jobs MQTT requests by API and outcome',
    labelNames: ['api', 'outcome'] as const, registers: [this.registry],
  });
  readonly streamRequests = new Counter({
    name: 'otasim_stream_requests_total', help: 'GetStream/DescribeStream requests by outcome',
    labelNames: ['op', 'outcome'] as const, registers: [this.registry],
  });
  readonly blocksServed = new Counter({
    name: 'otasim_stream_blocks_total', help: 'Data blocks published', registers: [this.registry],
  });
  readonly bytesServed = new Counter({
    name: 'otasim_delivered_bytes_total', help: 'Payload bytes delivered over MQTT and HTTP',
    labelNames: ['protocol'] as const, registers: [this.registry],
  });
  readonly executions = new Gauge({
    name: 'otasim_job_executions', help: 'Job executions by status',
    labelNames: ['job', 'status'] as const, registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'otasim_http_requests_total', help: 'REST requests by operation and status',
    labelNames: ['operation', 'status'] as const, registers: [this.registry],
  });
}
