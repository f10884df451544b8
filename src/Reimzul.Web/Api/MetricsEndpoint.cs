using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reimzul.Notify;
using Reimzul.Telemetry;

namespace Reimzul.Web.Api;

/// <summary>
/// <c>GET /metrics</c> for Prometheus. Queue depth per tube and state is read from the queue at each scrape, the
/// notifier's outbox depth from its database when it is on this machine; builds, createrepo_c runs and uploads are
/// what the roles of this process counted since it started (<see cref="ReimzulMetrics"/>).
/// </summary>
internal static class MetricsEndpoint
{
    public static void Map(IEndpointRouteBuilder app, ApiServices services, MetricsCollector collector)
    {
        app.MapGet("/metrics", (HttpContext context, CancellationToken cancellationToken) => ReadEndpoints.ReadAsync(context, services, async ct =>
        {
            var text = new PrometheusText();
            var queues = await services.ReadModel.QueuesAsync(ct);
            text.Family("reimzul_queue_jobs", "gauge", "Jobs in a tube, by state (from the queue at scrape time)");
            foreach (var tube in queues.Tubes)
            {
                foreach (var (state, count) in new[] { ("ready", tube.Ready), ("reserved", tube.Reserved), ("delayed", tube.Delayed), ("buried", tube.Buried) })
                {
                    text.Sample("reimzul_queue_jobs", $"{PrometheusText.Label("tube", tube.Tube)},{PrometheusText.Label("state", state)}", count);
                }
            }
            text.Family("reimzul_queue_watchers", "gauge", "Sessions watching a tube (from the queue at scrape time)");
            foreach (var tube in queues.Tubes)
            {
                text.Sample("reimzul_queue_watchers", PrometheusText.Label("tube", tube.Tube), tube.Watching);
            }

            var outbox = await NotificationOutbox.ReadDepthAsync(services.Config.Paths.OutboxDatabase, ct);
            text.Family("reimzul_notifier_outbox_pending", "gauge", "Mail and MQTT deliveries not made yet, per sink (from the outbox on this machine)");
            foreach (var sink in outbox)
            {
                text.Sample("reimzul_notifier_outbox_pending", PrometheusText.Label("sink", sink.Sink), sink.Pending);
            }

            WriteCounters(text, collector);
            WriteHistograms(text, collector);
            return Results.Text(text.ToString(), PrometheusText.ContentType);
        }));
    }

    /// <summary>
    /// <c>GET /metrics</c> of a process without the queue or the history at hand (bstore, a worker): only what its roles
    /// counted since it started. Prometheus scrapes each such process and adds the series up.
    /// </summary>
    public static void MapProcessCounters(IEndpointRouteBuilder app, MetricsCollector collector) =>
        app.MapGet("/metrics", () =>
        {
            var text = new PrometheusText();
            WriteCounters(text, collector);
            WriteHistograms(text, collector);
            return Results.Text(text.ToString(), PrometheusText.ContentType);
        });

    private static readonly (string Name, string Help)[] CounterFamilies =
    [
        (ReimzulMetrics.BuildsStarted, "Builds the workers of this process started, by arch and target"),
        (ReimzulMetrics.BuildsFinished, "Builds the workers of this process finished, by status, arch and target"),
        (ReimzulMetrics.CreaterepoRuns, "createrepo_c runs of this process, by target and result"),
        (ReimzulMetrics.UploadBytes, "Result bytes the workers of this process sent to bstore over HTTP(S)"),
        (ReimzulMetrics.UploadRetries, "Uploads to bstore the workers of this process tried again"),
    ];

    private static readonly (string Name, string Help)[] HistogramFamilies =
    [
        (ReimzulMetrics.BuildDuration, "How long the build step took, by arch and target"),
        (ReimzulMetrics.CreaterepoDuration, "How long a createrepo_c run took, by target"),
    ];

    private static void WriteCounters(PrometheusText text, MetricsCollector collector)
    {
        var counters = collector.Counters();
        foreach (var (name, help) in CounterFamilies)
        {
            // Every family is announced, so a dashboard finds it before the first build; a counter without labels starts at 0.
            var family = name + "_total";
            text.Family(family, "counter", help);
            var samples = counters.Where(c => c.Name == name).ToList();
            if (samples.Count == 0 && name is ReimzulMetrics.UploadBytes or ReimzulMetrics.UploadRetries)
            {
                text.Sample(family, "", 0);
            }
            foreach (var sample in samples)
            {
                text.Sample(family, sample.Labels, sample.Value);
            }
        }
    }

    private static void WriteHistograms(PrometheusText text, MetricsCollector collector)
    {
        var histograms = collector.Histograms();
        foreach (var (name, help) in HistogramFamilies)
        {
            text.Family(name, "histogram", help);
            foreach (var (_, labels, value) in histograms.Where(h => h.Name == name))
            {
                var prefix = labels.Length > 0 ? labels + "," : "";
                for (var i = 0; i < MetricsCollector.Buckets.Length; i++)
                {
                    text.Sample(name + "_bucket", prefix + PrometheusText.Label("le", MetricsCollector.Buckets[i].ToString("R", CultureInfo.InvariantCulture)), value.Buckets[i]);
                }
                text.Sample(name + "_bucket", prefix + PrometheusText.Label("le", "+Inf"), value.Count);
                text.Sample(name + "_sum", labels, value.Sum);
                text.Sample(name + "_count", labels, value.Count);
            }
        }
    }
}
